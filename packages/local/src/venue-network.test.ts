/**
 * Local mode on a venue's network (HOST=0.0.0.0): a listener joined by this machine's address, as a phone joins,
 * must get translated audio it can fetch at that address, not on the embedded S3's loopback port.
 */
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { get as httpsGet, request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { memoryLog } from "@livetranslate/core/log";
import { msToSamples } from "@livetranslate/core/audio";
import type { CreateSessionResponse } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ProtocolClient, streamInRealTime } from "./testing/client.ts";
import { publicHost } from "./public-origin.ts";
import { type LocalMode, startLocal } from "./server.ts";

describe("a listener joined by the machine's network address", () => {
  const address = publicHost("0.0.0.0");
  let local: LocalMode;
  let origin: string;
  let dataDir: string;
  const clients: ProtocolClient[] = [];

  beforeAll(async () => {
    expect(address, "this machine needs a non-loopback IPv4 address for this test").not.toMatch(/^127\./);
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), "livetranslate-venue-")), "data");
    local = await startLocal({ port: 0, host: "0.0.0.0", log: memoryLog(), dataDir });
    origin = `http://${address}:${local.port}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await local?.close();
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  const post = (authorization?: string) =>
    fetch(`${origin}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }),
    });
  const createSession = async () => {
    const created = await post(`Bearer ${local.operatorSecret}`);
    expect(created.status).toBe(201);
    return (await created.json()) as CreateSessionResponse;
  };

  it("keeps its data folder for this machine's user only", () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it("creates sessions only for whoever gives the operator secret it made at start; listeners need none", async () => {
    // Prepare
    const secret = local.operatorSecret!;
    expect(secret).toMatch(/^[2-9a-z]{4}(-[2-9a-z]{4}){3}$/);
    // Act
    const without = await post();
    const wrong = await post(`Bearer ${secret.replace(/^./, (c) => (c === "2" ? "3" : "2"))}`);
    const typed = await post(`Bearer ${secret.toUpperCase().replaceAll("-", "")}`);
    // Assess
    expect(without.status).toBe(401);
    expect(((await without.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("operator secret"),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(/operator secret is wrong/);
    expect(typed.status).toBe(201);
    const { sessionId } = (await typed.json()) as CreateSessionResponse;
    expect((await fetch(`${origin}/sessions/${sessionId}`)).status).toBe(200);
    expect((await fetch(`${origin}/languages`)).status).toBe(200);
    expect((await fetch(`${origin}/speaker/`)).status).not.toBe(401);
  });

  it("closes a connection (1009) as soon as a message announces more than 128 KB, before it arrives", async () => {
    // Prepare: a listener's upgrade by hand, so the frame can announce 50 MB and send none of it.
    const session = await createSession();
    const socket = connect(local.port, address);
    await new Promise((resolve) => socket.once("connect", resolve));
    const received: Buffer[] = [];
    socket.on("data", (data: Buffer) => received.push(data));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      [
        `GET /ws?role=listener&sessionId=${session.sessionId}&language=es HTTP/1.1`,
        `Host: ${address}:${local.port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        "",
        "",
      ].join("\r\n"),
    );
    await new Promise<void>((resolve) => socket.once("data", (data: Buffer) => (data.toString().startsWith("HTTP/1.1 101") ? resolve() : undefined)));
    // Act: a masked text frame's header with a 64-bit length of 50 MB, and a first few bytes.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(50_000_000n, 2);
    socket.write(Buffer.concat([header, Buffer.from("{\"action\"")]));
    await closed;
    // Assess: a close frame with 1009 (Message Too Big) after the handshake.
    const all = Buffer.concat(received);
    const frame = all.subarray(all.indexOf("\r\n\r\n") + 4);
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1009);
  });

  it("gets audio URLs on that address, which fetch the WAV; a tampered signature is refused", async () => {
    // Prepare
    const session = await createSession();
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

describe("local mode over HTTPS with a certificate the user gives", () => {
  let local: LocalMode;
  let folder: string;
  let cert: string;
  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "livetranslate-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", path.join(folder, "key.pem"), "-out", path.join(folder, "cert.pem")], { stdio: "ignore" });
    cert = readFileSync(path.join(folder, "cert.pem"), "utf8");
    local = await startLocal({ port: 0, log: memoryLog(), tls: { cert, key: readFileSync(path.join(folder, "key.pem"), "utf8") } });
  });
  afterAll(async () => {
    await local?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves the API over HTTPS and the WebSocket over WSS, and says so in its URLs", async () => {
    expect(local.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(local.wsUrl).toMatch(/^wss:\/\//);
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet(`${local.url}/health`, { ca: cert }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(text));
      }).once("error", reject);
    });
    expect(JSON.parse(body)).toEqual({ ok: true });
    const created = await new Promise<{ sessionId: string }>((resolve, reject) => {
      const req = httpsRequest(`${local.url}/sessions`, { method: "POST", ca: cert, headers: { "content-type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(JSON.parse(text)));
      });
      req.once("error", reject);
      req.end(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }));
    });
    const socket = new WebSocket(`${local.wsUrl}?role=listener&sessionId=${created.sessionId}&language=es`, { ca: cert });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    socket.close();
  });
});
