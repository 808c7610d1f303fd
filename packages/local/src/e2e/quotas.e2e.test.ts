/**
 * A quota never cascades, end to end: local mode in its own process under AWS's quotas (`LIVETRANSLATE_QUOTAS=aws`)
 * with Polly's far below the load (one request every 100 s for either voice) and IoT Core's publishes too (one every
 * 50 s), random routing over 4 execution environments, a real-speech talk to listeners of two languages taking parts
 * and one listening by broadcast. Every caption reaches every WebSocket listener once, nothing is sent twice, no
 * batch is retried, and the speaker is told both quotas bind. Then IoT Core's quota alone, far below the load but
 * letting some publishes through: listeners by broadcast get every caption exactly once, parts carried.
 */
import type { CreateSessionResponse, ServerMessage } from "@livetranslate/core/protocol";
import { msToSamples } from "@livetranslate/core/audio";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BroadcastClient } from "../testing/broadcast-client.ts";
import { ProtocolClient, streamInRealTime } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

/** What a batch failing (and so retried and replayed) or a delivery retried leaves in the log. */
const FAILED_BATCH_EVENTS = ["event_source.handler_failed", "event_source.record_discarded", "segment.incomplete", "part.incomplete", "delivery.retried"];

/** Local mode under AWS's quotas, batches routed at random over 4 execution environments (as Lambda may). */
const UNDER_AWS_QUOTAS = { LIVETRANSLATE_CONSUMER_ENVIRONMENTS: "4", LIVETRANSLATE_CONSUMER_ROUTING: "random", LIVETRANSLATE_QUOTAS: "aws" };

/** An English session translated into Spanish and French. */
async function createSession(local: LocalProcess): Promise<CreateSessionResponse> {
  const response = await fetch(`${local.url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }),
  });
  return (await response.json()) as CreateSessionResponse;
}

const talk = assembleTalk([englishClips()[1]!, englishClips()[3]!, englishClips()[4]!], 1000);

describe("under a synthesis quota far below the load", () => {
  let local: LocalProcess;
  const clients: ProtocolClient[] = [];
  let listeners: ProtocolClient[];
  let speaker: ProtocolClient;
  let broadcast: BroadcastClient;

  beforeAll(async () => {
    local = await startLocalProcess({
      ...UNDER_AWS_QUOTAS,
      LIVETRANSLATE_SEED: "5",
      LIVETRANSLATE_QUOTA_SYNTHESIS_TPS: "0.01",
      LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND: "0.02",
    });
    const session = await createSession(local);
    listeners = [];
    for (const language of ["es", "fr", "es"]) {
      listeners.push(await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language, parts: "1" }));
    }
    broadcast = await BroadcastClient.join(local.url, session.sessionId, "fr");
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    clients.push(...listeners, speaker);
    await streamInRealTime(speaker, session.sessionId, [...chunksOf(talk.pcm, 100), ...chunksOf(new Int16Array(msToSamples(1000)), 100)]);
    speaker.send({ action: "endSession", sessionId: session.sessionId });
    for (const client of listeners) await client.waitFor(() => client.messages("sessionEnded").length > 0, 120_000, "sessionEnded");
  }, scaledTimeout(300_000));

  afterAll(async () => {
    await Promise.all([...clients.map((c) => c.close()), broadcast?.close()]);
    await local?.stop();
  });

  const key = (m: ServerMessage) => `${m.type} ${(m as { segmentId?: string }).segmentId} ${(m as { part?: number }).part}`;

  it("gives every listener every part's caption and translation, once, and all the words the speaker's segments hold", () => {
    const finals = speaker.messages("transcript").filter((t) => t.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    const reference = new Set(listeners.flatMap((l) => l.messages("transcript").map((t) => `${t.segmentId}#${t.part}`)));
    for (const listener of listeners) {
      const captions = listener.messages("transcript");
      expect(new Set(captions.map((t) => `${t.segmentId}#${t.part}`))).toEqual(reference);
      expect(captions.map((t) => t.text).join(" ")).toBe(finals.map((f) => f.text).join(" "));
      expect(listener.messages("translation")).toHaveLength(captions.length);
      const sent = listener.received.map((r) => r.message).filter((m) => m.type !== "pong");
      expect(new Set(sent.map(key)).size).toBe(sent.length);
    }
  });

  it("voices at most what the quota let through, and tells the speaker the synthesis quota binds", () => {
    const clips = listeners.flatMap((l) => l.messages("translatedAudio"));
    const parts = listeners[0]!.messages("transcript").length;
    expect(clips.length).toBeLessThan(parts * listeners.length);
    const statuses = speaker.messages("sessionStatus");
    expect(statuses.some((s) => s.quotas?.includes("synthesis"))).toBe(true);
  });

  it("publishes at most what IoT Core's quota let through to the broadcast listener, each part once, keeps the rest, and tells the speaker", () => {
    // The quota's burst lets the first part through; the rest of the talk comes faster than one publish per 50 s.
    const parts = broadcast.messages("part");
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.length).toBeLessThan(listeners[1]!.messages("transcript").length);
    expect(new Set(parts.map((p) => `${p.segmentId}#${p.part}`)).size).toBe(parts.length);
    expect(speaker.messages("sessionStatus").some((s) => s.quotas?.includes("publishes"))).toBe(true);
    // The others are kept for the channel's next publish (its end, here, waits for a quota that lets nothing through).
    expect(local.logs.filter((l) => l.event === "quota.publish_carried" && l.language === "fr").length).toBeGreaterThan(0);
  });

  it("retried no batch because of it, and logged each degradation", () => {
    const lines = local.logs;
    expect(lines.filter((l) => l.event === "quota.degraded").length).toBeGreaterThan(0);
    expect(lines.filter((l) => FAILED_BATCH_EVENTS.includes(String(l.event)))).toEqual([]);
  });
});

/**
 * The same talk under IoT Core's publish quota alone, far below the load (one publish every 4 s, for both
 * languages' parts and the end): two listeners by broadcast get every part's caption exactly once and in order,
 * most of them carried by a later publish of their channel or by the session's end, and no batch fails.
 */
describe("under a publish quota far below the load", () => {
  let local: LocalProcess;
  let listener: ProtocolClient;
  let speaker: ProtocolClient;
  const broadcast: BroadcastClient[] = [];

  beforeAll(async () => {
    local = await startLocalProcess({
      ...UNDER_AWS_QUOTAS,
      LIVETRANSLATE_SEED: "7",
      LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND: "0.25",
    });
    const session = await createSession(local);
    listener = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "fr", parts: "1" });
    for (let i = 0; i < 2; i++) broadcast.push(await BroadcastClient.join(local.url, session.sessionId, "fr"));
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    await streamInRealTime(speaker, session.sessionId, [...chunksOf(talk.pcm, 100), ...chunksOf(new Int16Array(msToSamples(1000)), 100)]);
    speaker.send({ action: "endSession", sessionId: session.sessionId });
    await listener.waitFor(() => listener.messages("sessionEnded").length > 0, 120_000, "sessionEnded");
    // The last parts may come carried by the channel's end, which waits longer for the quota than a part. (Even so,
    // at this quota an end may be given up: the listener app learns it from its pass's renewal.)
    const parts = listener.messages("transcript").length;
    for (const client of broadcast) await client.waitFor(() => client.messages("part").length >= parts, 120_000, "every part by broadcast");
  }, scaledTimeout(300_000));

  afterAll(async () => {
    await Promise.all([listener?.close(), speaker?.close(), ...broadcast.map((b) => b.close())]);
    await local?.stop();
  });

  it("gives each listener by broadcast every part's caption and translation exactly once, in order, and nothing after the end", () => {
    const captions = listener.messages("transcript");
    expect(captions.length).toBeGreaterThanOrEqual(talk.utterances.length);
    const expected = captions.map((t) => `${t.segmentId}#${t.part}`);
    for (const client of broadcast) {
      const parts = client.messages("part");
      expect(parts.map((p) => `${p.segmentId}#${p.part}`)).toEqual(expected);
      expect(parts.map((p) => p.text)).toEqual(captions.map((t) => t.text));
      expect(parts.every((p) => p.translation !== undefined && p.translation.length > 0)).toBe(true);
      const end = client.received.findIndex((r) => r.message.type === "sessionEnded");
      expect(end === -1 || end === client.received.length - 1).toBe(true);
    }
  });

  it("carried parts rather than dropping them, retried no batch, and told the speaker the quota binds", () => {
    const lines = local.logs;
    expect(lines.filter((l) => l.event === "quota.publish_carried" && l.language === "fr").length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.event === "broadcast.carried" && l.language === "fr").length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.event === "quota.publish_dropped" && l.type === "part")).toEqual([]);
    expect(lines.filter((l) => FAILED_BATCH_EVENTS.includes(String(l.event)))).toEqual([]);
    expect(speaker.messages("sessionStatus").some((s) => s.quotas?.includes("publishes"))).toBe(true);
  });
});
