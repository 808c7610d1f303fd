import { pcmToBase64 } from "@livetranslate/core/audio";
import { Connection } from "@livetranslate/core/domain/connection";
import { Session } from "@livetranslate/core/domain/session";
import { Checkpoint } from "@livetranslate/core/streaming/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, webSocketEvent } from "../testing/harness.ts";

describe("WebSocket handlers with API Gateway events", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  let sessionId: string;
  let token: string;
  const connect = () => h.handlers.Connect;
  const message = () => h.handlers.Message;

  beforeAll(async () => {
    h = await startHarness();
    const created = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es", "fr"] });
    sessionId = created.sessionId;
    token = created.speakerToken;
    await connect()(webSocketEvent("CONNECT", "spk", { query: { role: "speaker", sessionId, token } }));
    await connect()(webSocketEvent("CONNECT", "lis", { query: { role: "listener", sessionId, language: "es" } }));
  });
  afterAll(() => h.close());

  const lastPosted = (connectionId: string) => h.posted.filter((p) => p.to === connectionId).at(-1)?.message;
  /** What the handler posted to `connectionId` while handling this one message (never an earlier answer). */
  const answersTo = async (connectionId: string, body: string) => {
    const before = h.posted.length;
    await message()(webSocketEvent("MESSAGE", connectionId, { body }));
    return h.posted.slice(before).filter((p) => p.to === connectionId).map((p) => p.message);
  };

  describe("$connect", () => {
    it.each([
      [{ role: "admin", sessionId: "x-y-1" }, 400, "bad_request"],
      [{ role: "listener", sessionId: "no-such-1", language: "es" }, 404, "session_not_found"],
      [{ role: "speaker", sessionId: "SESSION", token: "x" }, 400, "bad_request"],
      [{ role: "listener", sessionId: "x-y-1", language: "es", parts: "yes" }, 400, "bad_request"],
    ])("refuses %j with %i", async (query, status, code) => {
      const result = await connect()(webSocketEvent("CONNECT", "c1", { query: query as Record<string, string> }));
      expect(result.statusCode).toBe(status);
      expect(JSON.parse(result.body!).error.code).toBe(code);
    });

    it("refuses a wrong speaker token and a language the session does not offer", async () => {
      const wrong = await connect()(webSocketEvent("CONNECT", "c2", { query: { role: "speaker", sessionId, token: "nope" } }));
      expect(wrong.statusCode).toBe(403);
      const german = await connect()(webSocketEvent("CONNECT", "c3", { query: { role: "listener", sessionId, language: "it" } }));
      expect(german.statusCode).toBe(400);
      expect(JSON.parse(german.body!).error.message).toMatch(/choose one of es, fr/);
      expect(await Connection.get(h.adapters.db, "c2")).toBeUndefined();
    });

    it("registers speakers and listeners, and never posts during $connect", async () => {
      const before = h.posted.length;
      const result = await connect()(webSocketEvent("CONNECT", "lis2", { query: { role: "listener", sessionId, language: "fr" } }));
      expect(result.statusCode).toBe(200);
      expect(await Connection.get(h.adapters.db, "lis2")).toMatchObject({ role: "listener", language: "fr", sessionId });
      expect(await Connection.get(h.adapters.db, "spk")).toMatchObject({ role: "speaker", language: "en" });
      // A listener that takes segments in parts (the extension) is registered as one; others are not.
      await connect()(webSocketEvent("CONNECT", "lis3", { query: { role: "listener", sessionId, language: "es", parts: "1" } }));
      expect(await Connection.get(h.adapters.db, "lis3")).toMatchObject({ role: "listener", language: "es", parts: true });
      expect((await Connection.get(h.adapters.db, "lis2"))?.parts).toBeUndefined();
      expect(h.posted.length).toBe(before);
    });
  });

  describe("messages", () => {
    const chunk = (overrides: Record<string, unknown> = {}) =>
      JSON.stringify({
        action: "audioChunk",
        sessionId,
        chunkIndex: 3,
        timestamp: 1_700_000_000_000,
        format: "pcm-s16le-16000",
        audioData: pcmToBase64(new Int16Array(1600).fill(7)),
        ...overrides,
      });

    it("puts a speaker's chunk into the stream as it came", async () => {
      const result = await message()(webSocketEvent("MESSAGE", "spk", { body: chunk(), routeKey: "audioChunk" }));
      expect(result.statusCode).toBe(200);
      expect(h.ingested.at(-1)).toMatchObject({ kind: "chunk", sessionId, chunkIndex: 3, capturedAt: 1_700_000_000_000 });
    });

    it.each([
      ["not json", "bad_json"],
      [JSON.stringify({ action: "fly" }), "unknown_action"],
      [JSON.stringify({ action: "audioChunk" }), "invalid_message"],
      ["CHUNK:audioData=%%%", "bad_json"],
    ])("answers %s with %s on the same connection", async (body, code) => {
      await message()(webSocketEvent("MESSAGE", "spk", { body }));
      expect(lastPosted("spk")).toMatchObject({ type: "error", code });
    });

    it("rejects bad audio by name, answering each message, ingesting none", async () => {
      const ingested = h.ingested.length;
      const cases: [string, string, RegExp][] = [
        [chunk({ audioData: "AAE=" }), "invalid_audio", /holds 0\.1 ms of audio; a chunk must hold 20-500 ms/],
        [chunk({ audioData: "AAAA" }), "invalid_audio", /whole number of 16-bit samples/],
        [chunk({ audioData: "@@@@" }), "invalid_audio", /audioData/],
      ];
      for (const [body, code, text] of cases) {
        expect(await answersTo("spk", body), body.slice(-40)).toEqual([
          expect.objectContaining({ type: "error", code, message: expect.stringMatching(text), action: "audioChunk" }),
        ]);
      }
      // Too large is refused before the message is read, so it cannot name the action.
      const tooLarge = await answersTo("spk", chunk({ audioData: pcmToBase64(new Int16Array(16_000)) }));
      expect(tooLarge).toEqual([expect.objectContaining({ type: "error", code: "message_too_large", message: expect.stringMatching(/limit is 32768/) })]);
      expect(h.ingested.length).toBe(ingested);
    });

    it("does not let a listener send audio", async () => {
      const before = h.ingested.length;
      await message()(webSocketEvent("MESSAGE", "lis", { body: chunk() }));
      expect(lastPosted("lis")).toMatchObject({ type: "error", code: "not_speaker" });
      expect(h.ingested.length).toBe(before);
    });

    it("answers ping with pong", async () => {
      await message()(webSocketEvent("MESSAGE", "lis", { body: JSON.stringify({ action: "ping" }) }));
      expect(lastPosted("lis")).toEqual({ type: "pong" });
    });

    it("changes a listener's language", async () => {
      await message()(webSocketEvent("MESSAGE", "lis", { body: JSON.stringify({ action: "setLanguage", language: "fr" }) }));
      expect((await Connection.get(h.adapters.db, "lis"))?.language).toBe("fr");
    });

    it("tells a speaker where the session's chunk numbering stands, so a reloaded page does not reuse indexes", async () => {
      const ask = () => answersTo("spk", JSON.stringify({ action: "chunkPosition", sessionId }));
      expect(await ask()).toEqual([{ type: "chunkPosition", sessionId, nextChunkIndex: 0 }]);
      // The consumer took chunks through 389 and holds 392 for a missing 390-391.
      const now = Date.now();
      const segmenter = { consumedSamples: 0, bufferStartSample: 0, analyzedSamples: 0, nextSequenceNumber: 0, noiseFloorDb: -60, onsetFrames: 0, segment: null };
      await Checkpoint.entity(h.adapters.db.config)
        .put({ sessionId, revision: 7, order: { lastChunkIndex: 389, held: [392], skipped: [] }, segmenter, buffer: { firstSample: 0, chunks: [] }, updatedAt: now, expiresAt: now + 1 })
        .go();
      expect(await ask()).toEqual([{ type: "chunkPosition", sessionId, nextChunkIndex: 393 }]);
      const listener = await answersTo("lis", JSON.stringify({ action: "chunkPosition", sessionId }));
      expect(listener).toEqual([expect.objectContaining({ type: "error", code: "not_speaker", action: "chunkPosition" })]);
    });

    it("ends a session whose end failed to reach the stream when the speaker retries, instead of answering it ended", async () => {
      const other = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"] });
      await connect()(webSocketEvent("CONNECT", "spk-end", { query: { role: "speaker", sessionId: other.sessionId, token: other.speakerToken } }));
      const put = h.adapters.ingest.put;
      h.adapters.ingest.put = async () => {
        throw new Error("Kinesis unavailable");
      };
      const end = JSON.stringify({ action: "endSession", sessionId: other.sessionId, lastChunkIndex: 41 });
      try {
        expect(await answersTo("spk-end", end)).toEqual([expect.objectContaining({ type: "error", code: "internal", action: "endSession" })]);
      } finally {
        h.adapters.ingest.put = put;
      }
      expect((await Session.get(h.adapters.db, other.sessionId))?.status).toBe("active");
      expect(await answersTo("spk-end", end)).toEqual([]);
      expect(h.ingested.at(-1)).toEqual({ kind: "end", sessionId: other.sessionId, ingestedAt: expect.any(Number), lastChunkIndex: 41 });
      expect((await Session.get(h.adapters.db, other.sessionId))?.status).toBe("ended");
    });

    it("puts a repeated end of an ended session into the stream again, with the last chunk index the end said", async () => {
      // Prepare: an end saying chunks up to 41 were sent (the consumer holds it until they come).
      const other = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"] });
      await connect()(webSocketEvent("CONNECT", "spk-again", { query: { role: "speaker", sessionId: other.sessionId, token: other.speakerToken } }));
      expect(await answersTo("spk-again", JSON.stringify({ action: "endSession", sessionId: other.sessionId, lastChunkIndex: 41 }))).toEqual([]);
      const ingested = h.ingested.length;
      // Act: the speaker app asks again, its sessionEnded not come.
      const repeat = await answersTo("spk-again", JSON.stringify({ action: "endSession", sessionId: other.sessionId, lastChunkIndex: 55 }));
      // Assess: no error; the end goes in again as first said, so the consumer can tell how long it has waited.
      expect(repeat).toEqual([]);
      expect(h.ingested.slice(ingested)).toEqual([{ kind: "end", sessionId: other.sessionId, ingestedAt: expect.any(Number), lastChunkIndex: 41 }]);
      expect((await Session.get(h.adapters.db, other.sessionId))?.lastChunkIndex).toBe(41);
    });

    it("ends the session: the session is marked ended and the stream gets the end marker", async () => {
      await message()(webSocketEvent("MESSAGE", "spk", { body: JSON.stringify({ action: "endSession", sessionId }) }));
      expect((await Session.get(h.adapters.db, sessionId))?.status).toBe("ended");
      expect(h.ingested.at(-1)).toMatchObject({ kind: "end", sessionId });
      await message()(webSocketEvent("MESSAGE", "spk", { body: chunk({ chunkIndex: 4 }) }));
      expect(lastPosted("spk")).toMatchObject({ code: "session_ended" });
    });
  });

  describe("$disconnect", () => {
    it("forgets the connection", async () => {
      const result = await h.handlers.Disconnect(webSocketEvent("DISCONNECT", "lis2"));
      expect(result.statusCode).toBe(200);
      expect(await Connection.get(h.adapters.db, "lis2")).toBeUndefined();
    });
  });
});
