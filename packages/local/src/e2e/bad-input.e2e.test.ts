/**
 * Every bad input PROTOCOL.md names gets a clear error, and nothing else is lost: the same connection,
 * the session and the other users carry on. Driven through the protocol against local mode.
 */
import { msToSamples, pcmToBase64 } from "@livetranslate/core/audio";
import { type CreateSessionResponse, PCM_FORMAT, type ServerMessage } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { ConnectRefused, ProtocolClient, streamInRealTime } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

describe("bad input, end to end in local mode", () => {
  let local: LocalProcess;
  let session: CreateSessionResponse;
  let speaker: ProtocolClient;
  let listener: ProtocolClient;
  let bystander: ProtocolClient;

  const createSession = async (body: unknown) =>
    fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    local = await startLocalProcess();
    session = (await (await createSession({ sourceLanguage: "en", targetLanguages: ["es", "fr"] })).json()) as CreateSessionResponse;
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    listener = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es" });
    bystander = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "fr" });
  }, scaledTimeout(120_000));

  afterAll(async () => {
    await Promise.all([speaker?.close(), listener?.close(), bystander?.close()]);
    await local?.stop();
  });

  /** Sends a bad message and returns the error it earned; then proves the connection still answers. */
  async function errorFor(client: ProtocolClient, message: unknown) {
    const before = client.messages("error").length;
    client.send(message);
    const error = await client.waitFor(() => client.messages("error")[before], 5000, "an error message");
    await client.roundTrip();
    return error;
  }

  const chunk = (overrides: Record<string, unknown> = {}) => ({
    action: "audioChunk",
    sessionId: session.sessionId,
    chunkIndex: 0,
    timestamp: Date.now(),
    format: PCM_FORMAT,
    audioData: pcmToBase64(new Int16Array(1600)),
    ...overrides,
  });

  describe("HTTP", () => {
    it("answers errors a person can act on", async () => {
      const cases: [unknown, number, string, RegExp][] = [
        ["{not json", 400, "bad_json", /not valid JSON/],
        [{ targetLanguages: ["es"] }, 400, "bad_request", /sourceLanguage/],
        [{ sourceLanguage: "EN" }, 400, "bad_request", /two-letter/],
        [{ sourceLanguage: "de" }, 400, "unsupported_language", /"de" is not supported/],
        [{ sourceLanguage: "en", targetLanguages: ["es", "zz"] }, 400, "unsupported_language", /"zz"/],
      ];
      for (const [body, status, code, message] of cases) {
        const response = await createSession(body);
        expect(response.status, JSON.stringify(body)).toBe(status);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe(code);
        expect(error.message).toMatch(message);
      }
      const missing = await fetch(`${local.url}/sessions/no-such-session-1`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    });
  });

  describe("connecting", () => {
    const refused = async (query: Record<string, string>) => {
      try {
        const client = await ProtocolClient.connect(local.wsUrl, query);
        await client.close();
        return 0;
      } catch (error) {
        if (error instanceof ConnectRefused) return error.status;
        throw error;
      }
    };

    it("refuses a bad role, an unknown session, a wrong token and an unsupported language", async () => {
      expect(await refused({ role: "admin", sessionId: session.sessionId })).toBe(400);
      expect(await refused({ role: "listener", sessionId: "no-such-session-1", language: "es" })).toBe(404);
      expect(await refused({ role: "speaker", sessionId: session.sessionId, token: "wrong" })).toBe(403);
      expect(await refused({ role: "speaker", sessionId: session.sessionId })).toBe(400);
      expect(await refused({ role: "listener", sessionId: session.sessionId, language: "it" })).toBe(400);
      expect(await refused({ role: "listener", sessionId: session.sessionId })).toBe(400);
    });

    it("refuses connections to an ended session", async () => {
      const other = (await (await createSession({ sourceLanguage: "en", targetLanguages: ["es"] })).json()) as CreateSessionResponse;
      const otherSpeaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: other.sessionId, token: other.speakerToken });
      const otherListener = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: other.sessionId, language: "es" });
      otherSpeaker.send({ action: "endSession", sessionId: other.sessionId });
      await otherListener.waitFor(() => otherListener.messages("sessionEnded").length > 0, 10_000, "sessionEnded");
      await otherSpeaker.waitFor(() => otherSpeaker.messages("sessionEnded").length > 0, 10_000, "sessionEnded");
      // A listener is refused as for a session that does not exist; its speaker, with its token, is told it ended.
      expect(await refused({ role: "listener", sessionId: other.sessionId, language: "es" })).toBe(404);
      expect(await refused({ role: "speaker", sessionId: other.sessionId, token: other.speakerToken })).toBe(409);
      expect((await fetch(`${local.url}/sessions/${other.sessionId}`)).status).toBe(404);
      const view = (await (await fetch(`${local.url}/sessions/${other.sessionId}`, { headers: { authorization: `Bearer ${other.speakerToken}` } })).json()) as { status: string };
      expect(view.status).toBe("ended");
      await Promise.all([otherSpeaker.close(), otherListener.close()]);
    });
  });

  describe("messages", () => {
    it("answers each bad message with a named error and keeps the connection", async () => {
      const cases: [unknown, string, RegExp][] = [
        ["this is not json", "bad_json", /not valid JSON/],
        ["[1,2]", "bad_json", /JSON object/],
        [{ hello: "world" }, "unknown_action", /no "action"/],
        [{ action: "dance" }, "unknown_action", /unknown action "dance"/],
        [chunk({ chunkIndex: undefined }), "invalid_message", /chunkIndex/],
        [chunk({ chunkIndex: "seven" }), "invalid_message", /chunkIndex/],
        [chunk({ chunkIndex: -1 }), "invalid_message", /chunkIndex/],
        [chunk({ timestamp: "now" }), "invalid_message", /timestamp/],
        [chunk({ format: "webm-opus" }), "invalid_message", /format must be "pcm-s16le-16000"/],
        [chunk({ audioData: "***not base64***" }), "invalid_audio", /audioData: must be base64/],
        [chunk({ audioData: Buffer.from([1, 2, 3]).toString("base64") }), "invalid_audio", /whole number of 16-bit samples/],
        [chunk({ audioData: pcmToBase64(new Int16Array(16)) }), "invalid_audio", /1\.0 ms of audio/],
        [chunk({ sessionId: "another-session-1" }), "wrong_session", /speaks for session/],
        [{ action: "setLanguage", language: "es" }, "bad_request", /only a listener/],
      ];
      for (const [message, code, text] of cases) {
        const error = await errorFor(speaker, message);
        expect(error.code, JSON.stringify(message).slice(0, 80)).toBe(code);
        expect(error.message).toMatch(text);
      }
      expect((await errorFor(speaker, { action: "dance" })).action).toBe("dance");
    });

    it("closes a connection that sends a frame over API Gateway's 32 KB (1009), and only that one", async () => {
      const second = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
      const closed = new Promise<number>((resolve) => second.socket.once("close", (code) => resolve(code)));
      second.send(chunk({ audioData: pcmToBase64(new Int16Array(msToSamples(1000))) }));
      expect(await closed).toBe(1009);
      await speaker.roundTrip();
      await listener.roundTrip();
    });

    it("does not let a listener send audio or end the session", async () => {
      const audio = await errorFor(listener, chunk());
      expect(audio.code).toBe("not_speaker");
      expect(audio.message).toMatch(/only the session's speaker can send audio/);
      const end = await errorFor(listener, { action: "endSession", sessionId: session.sessionId });
      expect(end.code).toBe("not_speaker");
    });

    /** Who listens in which language, as anyone can see it (languages nobody listens to count 0). */
    const counts = async () => {
      const view = (await (await fetch(`${local.url}/sessions/${session.sessionId}`)).json()) as { listeners: Record<string, number> };
      return { es: 0, fr: 0, ...view.listeners };
    };
    const sentence = () => chunksOf(assembleTalk(englishClips().filter((c) => c.file.endsWith("LJ001-0002.wav")), 800).pcm, 100);
    // No bad chunk was accepted, so the speaker's audio starts at index 1 and goes on from there.
    let nextChunk = 1;
    /** Speaks one sentence; returns what each client received from then on, once each has its translated audio. */
    const speakAndWait = async (clients: ProtocolClient[]) => {
      const from = clients.map((c) => c.received.length);
      nextChunk = await streamInRealTime(speaker, session.sessionId, sentence(), { firstChunkIndex: nextChunk });
      return Promise.all(
        clients.map(async (client, i) => {
          const since = () => client.received.slice(from[i]).map((r) => r.message);
          await client.waitFor(() => since().some((m) => m.type === "translatedAudio"), 30_000, "translated audio");
          return since();
        }),
      );
    };
    const languagesOf = (messages: ServerMessage[]) =>
      messages.flatMap((m) => (m.type === "translation" || m.type === "translatedAudio" ? [m.targetLanguage] : []));

    it("lets a listener change language, but only to one the session offers, and then serves that language", async () => {
      const error = await errorFor(listener, { action: "setLanguage", language: "de" });
      expect(error.code).toBe("unsupported_language");
      expect(await counts()).toEqual({ es: 1, fr: 1 });

      listener.send({ action: "setLanguage", language: "fr" });
      await listener.roundTrip();
      expect(await counts()).toEqual({ es: 0, fr: 2 });
      // What is said now reaches the switched listener in French only; the speaker sees two French listeners.
      const statusFrom = speaker.messages("sessionStatus").length;
      const [switched] = await speakAndWait([listener]);
      expect(languagesOf(switched!).length).toBeGreaterThanOrEqual(2);
      expect(languagesOf(switched!).filter((l) => l !== "fr")).toEqual([]);
      await speaker.waitFor(
        () => speaker.messages("sessionStatus").slice(statusFrom).some((s) => s.listeners.fr === 2 && !s.listeners.es),
        10_000,
        "sessionStatus with two French listeners",
      );

      listener.send({ action: "setLanguage", language: "es" });
      await listener.roundTrip();
      expect(await counts()).toEqual({ es: 1, fr: 1 });
    });

    it("after all that, the session still works for everyone", async () => {
      const statusFrom = speaker.messages("sessionStatus").length;
      const [heardEs, heardFr] = await speakAndWait([listener, bystander]);
      const caption = heardEs!.find((m) => m.type === "transcript" && m.isFinal) as { text: string } | undefined;
      expect(caption?.text.length).toBeGreaterThan(0);
      expect(languagesOf(heardEs!).length).toBeGreaterThanOrEqual(2);
      expect(languagesOf(heardEs!).filter((l) => l !== "es")).toEqual([]);
      expect(languagesOf(heardFr!).length).toBeGreaterThanOrEqual(2);
      expect(languagesOf(heardFr!).filter((l) => l !== "fr")).toEqual([]);
      // The speaker heard who is listening.
      await speaker.waitFor(
        () => speaker.messages("sessionStatus").slice(statusFrom).some((s) => s.listeners.es === 1 && s.listeners.fr === 1),
        10_000,
        "sessionStatus",
      );
    });
  });
});
