import { AdminGetUserCommand, CognitoIdentityProviderClient, UserNotFoundException } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoSpeakerAccounts } from "@livetranslate/core/adapters/aws/cognito";
import { pcmToBase64 } from "@livetranslate/core/audio";
import { Connection } from "@livetranslate/core/domain/connection";
import { Session } from "@livetranslate/core/domain/session";
import { Checkpoint } from "@livetranslate/core/streaming/consumer";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, type Handlers } from "../composition.ts";
import { httpApiEvent } from "../testing/events.ts";
import { fakeAdapters, startHarness, webSocketEvent } from "../testing/harness.ts";

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
      [{ role: "listener", sessionId: "x-y-1", language: "es", bundled: "true" }, 400, "bad_request"],
    ])("refuses %j with %i", async (query, status, code) => {
      const result = await connect()(webSocketEvent("CONNECT", "c1", { query: query as Record<string, string> }));
      expect(result.statusCode).toBe(status);
      expect(JSON.parse(result.body!).error.code).toBe(code);
    });

    it("refuses a wrong speaker token and a language the session does not offer", async () => {
      const wrong = await connect()(webSocketEvent("CONNECT", "c2", { query: { role: "speaker", sessionId, token: "nope" } }));
      expect(wrong.statusCode).toBe(403);
      // Exactly as a speaker of a session that does not exist is refused: a token guess does not reveal codes in use.
      const nowhere = await connect()(webSocketEvent("CONNECT", "c2", { query: { role: "speaker", sessionId: "calm-river-404", token: "nope" } }));
      expect(nowhere.statusCode).toBe(403);
      expect(JSON.parse(wrong.body!).error.message.replace(sessionId, "<id>")).toBe(JSON.parse(nowhere.body!).error.message.replace("calm-river-404", "<id>"));
      const german = await connect()(webSocketEvent("CONNECT", "c3", { query: { role: "listener", sessionId, language: "it" } }));
      expect(german.statusCode).toBe(400);
      expect(JSON.parse(german.body!).error.message).toMatch(/choose one of es, fr/);
      expect(await Connection.get(h.adapters.db, "c2")).toBeUndefined();
    });

    it("refuses a listener alike for a missing session, an ended one, and a private one without its key or with a wrong one", async () => {
      // Prepare
      const db = h.adapters.db;
      const secret = await Session.create(db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"], private: true });
      const ended = await Session.create(db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"] });
      await Session.end(db, ended.sessionId);
      const refusal = async (id: string, key?: string) => {
        const result = await connect()(webSocketEvent("CONNECT", "guess", { query: { role: "listener", sessionId: id, language: "es", ...(key === undefined ? {} : { key }) } }));
        return { statusCode: result.statusCode, body: result.body?.replace(id, "<id>") };
      };
      // Act
      const missing = await refusal("calm-river-404");
      // Assess
      expect(missing.statusCode).toBe(404);
      expect(await refusal(ended.sessionId)).toEqual(missing);
      expect(await refusal(secret.sessionId)).toEqual(missing);
      expect(await refusal(secret.sessionId, "2222-3333-4444-5555")).toEqual(missing);
      expect(await Connection.get(db, "guess")).toBeUndefined();
      const admitted = await connect()(webSocketEvent("CONNECT", "keyed", { query: { role: "listener", sessionId: secret.sessionId, language: "es", key: secret.joinKey! } }));
      expect(admitted.statusCode).toBe(200);
      expect(await Connection.get(db, "keyed")).toMatchObject({ sessionId: secret.sessionId, language: "es" });
      // The speaker of the ended session, with its token, is told it ended.
      const late = await connect()(webSocketEvent("CONNECT", "late", { query: { role: "speaker", sessionId: ended.sessionId, token: ended.speakerToken } }));
      expect(late.statusCode).toBe(409);
      expect(JSON.parse(late.body!).error.code).toBe("session_ended");
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
      await connect()(webSocketEvent("CONNECT", "lis4", { query: { role: "listener", sessionId, language: "es", bundled: "1" } }));
      expect(await Connection.get(h.adapters.db, "lis4")).toMatchObject({ parts: true, bundled: true });
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

describe("the deployment's cap on a session's listeners, through $connect and $disconnect events", () => {
  let fakes: Awaited<ReturnType<typeof fakeAdapters>>;
  let handlers: Handlers;
  beforeAll(async () => {
    fakes = await fakeAdapters();
    fakes.adapters.limits = { maxListenersPerSession: 2 };
    handlers = compose(fakes.adapters);
  });
  afterAll(() => fakes.close());

  it("refuses the listener beyond the cap with 429 session_full, and admits the next once one has left", async () => {
    // Prepare: a session with two listeners and its speaker.
    const { sessionId, speakerToken } = await Session.create(fakes.adapters.db, fakes.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es", "fr"] });
    const listener = (id: string, language = "es") => handlers.Connect(webSocketEvent("CONNECT", id, { query: { role: "listener", sessionId, language } }));
    expect((await listener("a")).statusCode).toBe(200);
    expect((await listener("b", "fr")).statusCode).toBe(200);
    // Act
    const refused = await listener("c");
    // Assess
    expect(refused.statusCode).toBe(429);
    expect(JSON.parse(refused.body!).error).toEqual({ code: "session_full", message: `session "${sessionId}" has its maximum of 2 listeners; try again when someone leaves` });
    expect(await Connection.get(fakes.adapters.db, "c")).toBeUndefined();
    expect(await Session.view(fakes.adapters.db, sessionId)).toMatchObject({ listeners: { es: 1, fr: 1 } });
    // The speaker is not held out; a listener that leaves frees its place, once however often its $disconnect comes.
    expect((await handlers.Connect(webSocketEvent("CONNECT", "spk", { query: { role: "speaker", sessionId, token: speakerToken } }))).statusCode).toBe(200);
    await handlers.Disconnect(webSocketEvent("DISCONNECT", "a"));
    await handlers.Disconnect(webSocketEvent("DISCONNECT", "a"));
    expect((await listener("c")).statusCode).toBe(200);
    expect((await listener("d")).statusCode).toBe(429);
    expect(await Session.view(fakes.adapters.db, sessionId)).toMatchObject({ listeners: { es: 1, fr: 1 } });
  });
});

describe("a speaker whose sign-in account is disabled, with Cognito mocked (AdminGetUser)", () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  let fakes: Awaited<ReturnType<typeof fakeAdapters>>;
  let handlers: Handlers;
  beforeAll(async () => {
    fakes = await fakeAdapters();
    // Asked every time here: the adapter's own test holds its few minutes of memory.
    fakes.adapters.speakerAccounts = new CognitoSpeakerAccounts({ client: new CognitoIdentityProviderClient({ region: "eu-west-1" }), userPoolId: "eu-west-1_pool", recheckAfterMs: 0 });
    handlers = compose(fakes.adapters);
  });
  afterAll(() => {
    cognito.restore();
    return fakes.close();
  });

  /** A session created through POST /sessions as API Gateway hands it over after its JWT authorizer (or without one). */
  const createSession = async (claims?: Record<string, string>) => {
    const { handle } = await import("hono/aws-lambda");
    const body = JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] });
    const response = (await handle(handlers.Http)(httpApiEvent("POST", "/sessions", { body, claims }) as never, {} as never)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(201);
    return JSON.parse(response.body) as { sessionId: string; speakerToken: string };
  };
  const chunk = (sessionId: string, chunkIndex: number) =>
    JSON.stringify({ action: "audioChunk", sessionId, chunkIndex, timestamp: 1_700_000_000_000, format: "pcm-s16le-16000", audioData: pcmToBase64(new Int16Array(1600)) });
  const enabled = (value: boolean) => cognito.on(AdminGetUserCommand).resolves({ Username: "9f1c-sub", Enabled: value, UserStatus: "CONFIRMED", UserAttributes: [] });

  it("records the creating account, and refuses its speaker's connection and audio once the account is disabled", async () => {
    // Prepare: a session created by a signed-in speaker, whose account is enabled.
    const { sessionId, speakerToken } = await createSession({ sub: "9f1c-sub", "cognito:username": "9f1c-sub", email: "ada@example.com" });
    expect((await Session.get(fakes.adapters.db, sessionId))?.speakerAccount).toBe("9f1c-sub");
    enabled(true);
    const connect = (id: string) => handlers.Connect(webSocketEvent("CONNECT", id, { query: { role: "speaker", sessionId, token: speakerToken } }));
    expect((await connect("spk-a")).statusCode).toBe(200);
    await handlers.Message(webSocketEvent("MESSAGE", "spk-a", { body: chunk(sessionId, 0) }));
    expect(fakes.ingested.at(-1)).toMatchObject({ sessionId, chunkIndex: 0 });
    expect(cognito.commandCalls(AdminGetUserCommand)[0]!.args[0].input).toEqual({ UserPoolId: "eu-west-1_pool", Username: "9f1c-sub" });
    // Act: an administrator disables the account.
    enabled(false);
    const refused = await connect("spk-b");
    const ingested = fakes.ingested.length;
    await handlers.Message(webSocketEvent("MESSAGE", "spk-a", { body: chunk(sessionId, 1) }));
    // Assess
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body!).error).toMatchObject({ code: "unauthorized", message: expect.stringMatching(/speaker account that created this session is disabled/) });
    expect(await Connection.get(fakes.adapters.db, "spk-b")).toBeUndefined();
    expect(fakes.ingested.length).toBe(ingested);
    expect(fakes.posted.filter((p) => p.to === "spk-a").at(-1)?.message).toMatchObject({ type: "error", code: "unauthorized", action: "audioChunk" });
  });

  it("refuses the speaker of a deleted account too, and asks nothing about a session created without sign-in", async () => {
    const signedIn = await createSession({ sub: "gone-sub" });
    cognito.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: "User does not exist.", $metadata: {} }));
    const gone = await handlers.Connect(webSocketEvent("CONNECT", "spk-c", { query: { role: "speaker", sessionId: signedIn.sessionId, token: signedIn.speakerToken } }));
    expect(gone.statusCode).toBe(403);
    const asked = cognito.commandCalls(AdminGetUserCommand).length;
    const open = await createSession();
    const connected = await handlers.Connect(webSocketEvent("CONNECT", "spk-d", { query: { role: "speaker", sessionId: open.sessionId, token: open.speakerToken } }));
    expect(connected.statusCode).toBe(200);
    expect(cognito.commandCalls(AdminGetUserCommand).length).toBe(asked);
  });
});
