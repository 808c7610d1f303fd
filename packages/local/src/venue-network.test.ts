/**
 * Local mode on a venue's network (HOST=0.0.0.0): a listener joined by this machine's address, as a phone joins,
 * must get translated audio it can fetch at that address, not on the embedded S3's loopback port.
 */
import { memoryLog } from "@livetranslate/core/log";
import { msToSamples } from "@livetranslate/core/audio";
import type { CreateSessionResponse } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProtocolClient, streamInRealTime } from "./testing/client.ts";
import { publicHost } from "./public-origin.ts";
import { type LocalMode, startLocal } from "./server.ts";

describe("a listener joined by the machine's network address", () => {
  const address = publicHost("0.0.0.0");
  let local: LocalMode;
  let origin: string;
  const clients: ProtocolClient[] = [];

  beforeAll(async () => {
    expect(address, "this machine needs a non-loopback IPv4 address for this test").not.toMatch(/^127\./);
    local = await startLocal({ port: 0, host: "0.0.0.0", log: memoryLog() });
    origin = `http://${address}:${local.port}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await local?.close();
  });

  it("gets audio URLs on that address, which fetch the WAV; a tampered signature is refused", async () => {
    // Prepare
    const created = await fetch(`${origin}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }),
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as CreateSessionResponse;
    const wsUrl = `ws://${address}:${local.port}/ws`;
    const listener = await ProtocolClient.connect(wsUrl, { role: "listener", sessionId: session.sessionId, language: "es" });
    clients.push(listener);
    const speaker = await ProtocolClient.connect(wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    clients.push(speaker);

    // Act
    const talk = assembleTalk([englishClips()[1]!], 500);
    await streamInRealTime(speaker, session.sessionId, [...chunksOf(talk.pcm, 100), ...chunksOf(new Int16Array(msToSamples(1000)), 100)]);
    const audio = await listener.waitFor(() => listener.messages("translatedAudio")[0], 60_000, "translated audio");

    // Assess
    expect(audio.url.startsWith(`${origin}/audio/`)).toBe(true);
    const clip = await fetch(audio.url);
    expect(clip.status).toBe(200);
    expect(clip.headers.get("content-type")).toBe("audio/wav");
    expect(Buffer.from(await clip.arrayBuffer()).subarray(0, 4).toString("ascii")).toBe("RIFF");
    const tampered = new URL(audio.url);
    tampered.searchParams.set("X-Amz-Signature", "0".repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
    const unsigned = new URL(audio.url);
    unsigned.search = "";
    expect((await fetch(unsigned)).status).toBe(403);
    const elsewhere = new URL(audio.url);
    elsewhere.pathname = elsewhere.pathname.replace(/\/sessions\/.*$/, "/");
    expect((await fetch(elsewhere)).status).toBe(404);
    expect((await fetch(tampered)).headers.get("content-type")).toMatch(/json/);
  });
});
