import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Session } from "@livetranslate/core/domain/session";
import { compose, type Handlers } from "../composition.ts";
import { LISTENER_REPORTS_PER_MINUTE } from "../deployment.ts";
import { httpApiEvent } from "../testing/events.ts";
import { startHarness, webSocketEvent } from "../testing/harness.ts";
import { Transcript } from "@livetranslate/core/domain/transcript";
import { ListenerPass } from "@livetranslate/core/protocol";
import { createApi } from "./api.ts";

describe("HTTP API", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  let api: ReturnType<typeof createApi>;
  beforeAll(async () => {
    h = await startHarness();
    api = h.handlers.Http;
  });
  afterAll(() => h.close());

  const post = (body: string) => api.request("/sessions", { method: "POST", body, headers: { "content-type": "application/json" } });

  describe("listeners by broadcast", () => {
    const join = (sessionId: string, body: unknown) =>
      api.request(`/sessions/${sessionId}/listeners`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const renew = (sessionId: string, listenerId: string, token: string, body: unknown = {}) =>
      api.request(`/sessions/${sessionId}/listeners/${listenerId}`, {
        method: "PUT",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });

    it("gives a joining listener its pass: where to connect, as whom, which topic; renewal keeps it and may change language", async () => {
      // Prepare
      const { sessionId } = (await (await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }))).json()) as { sessionId: string };
      // Act
      const joined = await join(sessionId, { language: "es" });
      const pass = ListenerPass.parse(await joined.json());
      const renewed = await renew(sessionId, pass.listenerId, pass.token, { language: "fr" });
      // Assess
      expect(joined.status).toBe(201);
      expect(pass).toMatchObject({
        sessionId,
        language: "es",
        heartbeatSeconds: 300,
        broker: { url: "ws://broker.test/mqtt", clientId: `lt-${pass.listenerId}`, topic: `livetranslate/test/session/${sessionId}/es` },
      });
      expect(renewed.status).toBe(200);
      expect(await renewed.json()).toMatchObject({ language: "fr", token: pass.token, broker: { topic: `livetranslate/test/session/${sessionId}/fr` } });
      expect(((await (await api.request(`/sessions/${sessionId}`)).json()) as { listeners: Record<string, number> }).listeners).toEqual({ fr: 1 });
    });

    it("refuses a bad language, an unknown session, a wrong pass and another listener's pass, each saying why", async () => {
      // Prepare
      const { sessionId } = (await (await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }))).json()) as { sessionId: string };
      const pass = ListenerPass.parse(await (await join(sessionId, { language: "es" })).json());
      const other = ListenerPass.parse(await (await join(sessionId, { language: "es" })).json());
      // Act / Assess
      const bad = await join(sessionId, { language: "Spanish" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^language: must be a lower-case two-letter/);
      expect((await join(sessionId, { language: "de" })).status).toBe(400);
      expect((await join("no-such-1", { language: "es" })).status).toBe(404);
      expect((await renew(sessionId, pass.listenerId, `${pass.listenerId}.wrong`)).status).toBe(403);
      expect((await renew(sessionId, pass.listenerId, other.token)).status).toBe(403);
      expect((await renew(sessionId, pass.listenerId, pass.token, { language: 7 })).status).toBe(400);
    });

    it("admits by the same rules as a WebSocket listener: a private session's key, one 404 for missing, ended or keyless", async () => {
      // Prepare
      const secret = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"], private: true });
      const ended = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"] });
      await Session.end(h.adapters.db, ended.sessionId);
      const refusal = async (response: Response) => ({ status: response.status, body: ((await response.json()) as { error: { code: string; message: string } }).error });
      const alike = (sessionId: string) => ({
        status: 404,
        body: { code: "session_not_found", message: `session "${sessionId}" does not exist, has ended, or needs the key from its link` },
      });
      // Act / Assess
      expect(await refusal(await join(secret.sessionId, { language: "es" }))).toEqual(alike(secret.sessionId));
      expect(await refusal(await join(secret.sessionId, { language: "es", key: "2222-3333-4444-5555" }))).toEqual(alike(secret.sessionId));
      expect(await refusal(await join(ended.sessionId, { language: "es" }))).toEqual(alike(ended.sessionId));
      expect(await refusal(await join("no-such-7", { language: "es" }))).toEqual(alike("no-such-7"));
      const keyed = await join(secret.sessionId, { language: "es", key: secret.joinKey });
      expect(keyed.status).toBe(201);
      expect(ListenerPass.parse(await keyed.json())).toMatchObject({ sessionId: secret.sessionId, language: "es" });
    });

    it("counts its listeners against the session's cap with WebSocket listeners, in the kept counts, until they leave", async () => {
      // Prepare: a cap of two, one listener by WebSocket.
      const cappedHandlers = compose({ ...h.adapters, limits: { maxListenersPerSession: 2 } });
      const capped = cappedHandlers.Http;
      const { sessionId } = (await (await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }))).json()) as { sessionId: string };
      const connect = (connectionId: string) =>
        cappedHandlers.Connect(webSocketEvent("CONNECT", connectionId, { query: { role: "listener", sessionId, language: "fr" } }));
      expect(await connect("ws-capped-1")).toMatchObject({ statusCode: 200 });
      const joinCapped = (body: unknown) =>
        capped.request(`/sessions/${sessionId}/listeners`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
      const listeners = async () => ((await (await api.request(`/sessions/${sessionId}`)).json()) as { listeners: Record<string, number> }).listeners;
      // Act
      const pass = ListenerPass.parse(await (await joinCapped({ language: "es" })).json());
      const full = await joinCapped({ language: "es" });
      const fullByWebSocket = await connect("ws-capped-2");
      const countsWhenFull = await listeners();
      const left = await capped.request(`/sessions/${sessionId}/listeners/${pass.listenerId}`, { method: "DELETE", headers: { authorization: `Bearer ${pass.token}` } });
      const countsAfter = await listeners();
      const again = await joinCapped({ language: "es" });
      // Assess
      expect(full.status).toBe(429);
      expect(((await full.json()) as { error: { code: string } }).error.code).toBe("session_full");
      expect(fullByWebSocket).toMatchObject({ statusCode: 429 });
      expect(countsWhenFull).toEqual({ es: 1, fr: 1 });
      expect(left.status).toBe(204);
      expect(countsAfter).toEqual({ fr: 1 });
      expect(again.status).toBe(201);
      expect((await renew(sessionId, pass.listenerId, pass.token)).status).toBe(403);
    });
  });

  it("serves a kept transcript to the speaker only, in each language and format, and says why when it cannot", async () => {
    const created = (await (await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"], keepTranscript: true }))).json()) as {
      sessionId: string;
      speakerToken: string;
    };
    await Transcript.record(h.adapters.db, created.sessionId, { sequenceNumber: 2, startMs: 4200, endMs: 6050, text: "Thank you.", translations: { es: "Gracias.", fr: "Merci." } });
    await Transcript.record(h.adapters.db, created.sessionId, { sequenceNumber: 1, startMs: 1000, endMs: 3500, text: "Hello all.", translations: { es: "Hola a todos.", fr: "Bonjour à tous." } });
    const get = (query: string, token: string | undefined = created.speakerToken, id = created.sessionId) =>
      api.request(`/sessions/${id}/transcript?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    const vtt = await get("language=es&format=vtt");
    expect(vtt.status).toBe(200);
    expect(vtt.headers.get("content-type")).toContain("text/vtt");
    expect(await vtt.text()).toBe("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.500\nHola a todos.\n\n2\n00:00:04.200 --> 00:00:06.050\nGracias.\n");
    expect(await (await get("language=fr&format=srt")).text()).toBe("1\n00:00:01,000 --> 00:00:03,500\nBonjour à tous.\n\n2\n00:00:04,200 --> 00:00:06,050\nMerci.\n");
    expect(await (await get("language=en&format=txt")).text()).toBe("Hello all.\nThank you.\n");
    expect(await (await get("format=json")).json()).toEqual({
      segments: [
        { sequenceNumber: 1, startMs: 1000, endMs: 3500, text: "Hello all.", translations: { es: "Hola a todos.", fr: "Bonjour à tous." } },
        { sequenceNumber: 2, startMs: 4200, endMs: 6050, text: "Thank you.", translations: { es: "Gracias.", fr: "Merci." } },
      ],
    });

    const error = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string } }).error });
    expect(await error(await get("language=es", ""))).toMatchObject({ status: 403, code: "unauthorized" });
    expect(await error(await get("language=es", "not-the-token"))).toMatchObject({ status: 403 });
    expect(await error(await get("language=de"))).toMatchObject({ status: 400, code: "unsupported_language", message: expect.stringContaining("en, es, fr") });
    expect(await error(await get("language=es&format=docx"))).toMatchObject({ status: 400, message: expect.stringContaining("vtt, srt, txt, json") });
    // A session that does not exist is answered as a wrong token is: trying ids tells nothing.
    expect(await error(await get("language=es", "x", "no-such-1"))).toMatchObject({ status: 403, code: "unauthorized" });
    // Without the opt-in nothing is kept, and the answer says how to get one.
    const plain = (await (await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }))).json()) as { sessionId: string; speakerToken: string };
    expect(await error(await get("language=es", plain.speakerToken, plain.sessionId))).toMatchObject({ status: 404, message: expect.stringContaining("keepTranscript: true") });
  });

  it("takes a session glossary, and answers a bad entry with 400 naming its index and what is wrong", async () => {
    const ok = await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"], glossary: [{ term: "Kinesis", translations: { es: "Kinesis" } }] }));
    expect(ok.status).toBe(201);
    const bad = await post(JSON.stringify({ sourceLanguage: "en", glossary: [{ term: "ok" }, { term: "", translations: {} }, { term: "x".repeat(101) }] }));
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: { message: string } };
    expect(error.message).toContain("glossary.1.term: must not be empty");
    expect(error.message).toContain("glossary.2.term: must be at most 100 characters");
    const tooMany = await post(JSON.stringify({ sourceLanguage: "en", glossary: Array.from({ length: 201 }, (_, i) => ({ term: `t${i}` })) }));
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toContain("at most 200 entries");
  });

  it("answers health and languages", async () => {
    expect(await (await api.request("/health")).json()).toEqual({ ok: true });
    expect(await (await api.request("/languages")).json()).toEqual({
      source: ["en"],
      target: ["es", "fr", "gl", "it"],
      captionsOnly: ["gl"],
      routes: { es: {}, fr: {}, gl: {}, it: {} },
    });
  });

  it("creates a session with a captions-only language, which listeners can join", async () => {
    const response = await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "gl"] }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as { sessionId: string; targetLanguages: string[] };
    expect(created.targetLanguages).toEqual(["es", "gl"]);
    const joined = await h.handlers.Connect(
      webSocketEvent("CONNECT", "gl-listener", { query: { role: "listener", sessionId: created.sessionId, language: "gl" } }),
    );
    expect(joined.statusCode).toBe(200);
    expect(await (await api.request(`/sessions/${created.sessionId}`)).json()).toMatchObject({ listeners: { gl: 1 } });
  });

  it("creates a session with a readable id and a secret token, and shows it with listener counts", async () => {
    const response = await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as { sessionId: string; speakerToken: string; targetLanguages: string[] };
    expect(created.sessionId).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    expect(created.speakerToken.length).toBeGreaterThanOrEqual(21);
    await h.handlers.Connect(
      webSocketEvent("CONNECT", "l1", { query: { role: "listener", sessionId: created.sessionId, language: "es" } }),
    );
    const view = await (await api.request(`/sessions/${created.sessionId}`)).json();
    expect(view).toEqual({ sessionId: created.sessionId, sourceLanguage: "en", targetLanguages: ["es", "fr"], status: "active", listeners: { es: 1 } });
    expect(JSON.stringify(view)).not.toContain(created.speakerToken);
  });

  it("offers every supported target when none are named", async () => {
    const created = (await (await post(JSON.stringify({ sourceLanguage: "en" }))).json()) as { targetLanguages: string[] };
    expect(created.targetLanguages).toEqual(["es", "fr", "gl", "it"]);
  });

  it.each([
    ["{", 400, "bad_json"],
    [JSON.stringify({}), 400, "bad_request"],
    [JSON.stringify({ sourceLanguage: "fr" }), 400, "unsupported_language"],
    [JSON.stringify({ sourceLanguage: "en", targetLanguages: ["de"] }), 400, "unsupported_language"],
    [JSON.stringify({ sourceLanguage: "en", targetLanguages: [] }), 400, "bad_request"],
  ])("answers %s with %i %s", async (body, status, code) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it("answers 404 for an unknown session and an unknown route", async () => {
    expect((await api.request("/sessions/nope-nope-1")).status).toBe(404);
    expect((await api.request("/nowhere")).status).toBe(404);
  });
});

describe("HTTP API as Lambda runs it (API Gateway HTTP API, payload v2)", () => {
  it("answers a v2 event through hono's Lambda adapter", async () => {
    const { handle } = await import("hono/aws-lambda");
    const h = await startHarness();
    try {
      const lambda = handle(h.handlers.Http);
      const event = {
        version: "2.0",
        routeKey: "POST /sessions",
        rawPath: "/sessions",
        rawQueryString: "",
        headers: { "content-type": "application/json", authorization: "Bearer eyJ..." },
        requestContext: {
          accountId: "123456789012",
          apiId: "api",
          domainName: "api.execute-api.eu-west-1.amazonaws.com",
          domainPrefix: "api",
          http: { method: "POST", path: "/sessions", protocol: "HTTP/1.1", sourceIp: "203.0.113.9", userAgent: "test" },
          requestId: "r1",
          routeKey: "POST /sessions",
          stage: "$default",
          time: "24/Nov/2026:07:00:00 +0000",
          timeEpoch: Date.now(),
          authorizer: { jwt: { claims: { sub: "speaker-1", email: "ana@example.org" }, scopes: null } },
        },
        body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }),
        isBase64Encoded: false,
      };
      const response = (await lambda(event as never, {} as never)) as { statusCode: number; body: string };
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ sourceLanguage: "en", targetLanguages: ["es"] });
      const bad = (await lambda({ ...event, body: "{" } as never, {} as never)) as { statusCode: number; body: string };
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body).error.code).toBe("bad_json");
    } finally {
      await h.close();
    }
  });
});

describe("GET /sessions/{id} as Lambda runs it: private sessions, and sessions that ended", () => {
  it("answers a v2 event without the key, with a wrong one, for an ended and for a missing session alike; the key and the speaker see it", async () => {
    // Prepare
    const { handle } = await import("hono/aws-lambda");
    const h = await startHarness();
    try {
      const lambda = handle(h.handlers.Http);
      const request = async (path: string, query: Record<string, string> = {}, bearer?: string) => {
        const event = httpApiEvent("GET", path, { routeKey: "GET /sessions/{sessionId}", query, bearer });
        const response = (await lambda(event as never, {} as never)) as { statusCode: number; body: string };
        return { statusCode: response.statusCode, body: JSON.parse(response.body) };
      };
      const create = async (body: object) =>
        (await (await h.handlers.Http.request("/sessions", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).json()) as {
          sessionId: string;
          speakerToken: string;
          joinKey?: string;
        };
      const secret = await create({ sourceLanguage: "en", targetLanguages: ["es"], private: true });
      const ended = await create({ sourceLanguage: "en", targetLanguages: ["es"] });
      await h.handlers.Connect(webSocketEvent("CONNECT", "spk", { query: { role: "speaker", sessionId: ended.sessionId, token: ended.speakerToken } }));
      await h.handlers.Message(webSocketEvent("MESSAGE", "spk", { body: JSON.stringify({ action: "endSession", sessionId: ended.sessionId }) }));
      const masked = async (id: string, query?: Record<string, string>, bearer?: string) => {
        const { statusCode, body } = await request(`/sessions/${id}`, query, bearer);
        return { statusCode, body: JSON.parse(JSON.stringify(body).replaceAll(id, "<id>")) };
      };

      // Act
      const missing = await masked("calm-river-404");

      // Assess
      expect(secret.joinKey).toMatch(/^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
      expect(missing).toMatchObject({ statusCode: 404, body: { error: { code: "not_found" } } });
      expect(await masked(secret.sessionId)).toEqual(missing);
      expect(await masked(secret.sessionId, { key: "2222-3333-4444-5555" })).toEqual(missing);
      expect(await masked(ended.sessionId)).toEqual(missing);
      expect(await masked(ended.sessionId, {}, secret.speakerToken)).toEqual(missing);
      expect(await request(`/sessions/${secret.sessionId}`, { key: secret.joinKey! })).toMatchObject({ statusCode: 200, body: { status: "active", targetLanguages: ["es"] } });
      expect(await request(`/sessions/${ended.sessionId}`, {}, ended.speakerToken)).toMatchObject({
        statusCode: 200,
        body: { status: "ended" },
      });
      expect(await request(`/sessions/${secret.sessionId}`, { key: "x".repeat(65) })).toMatchObject({
        statusCode: 400,
        body: { error: { code: "bad_request", message: "key must be at most 64 characters" } },
      });
    } finally {
      await h.close();
    }
  });
});

describe("POST /sessions body limit", () => {
  it("refuses a body over 1 MB with 413 in JSON, creating nothing", async () => {
    const h = await startHarness();
    try {
      const body = JSON.stringify({ sourceLanguage: "en", padding: "x".repeat(1024 * 1024) });
      const response = await h.handlers.Http.request("/sessions", { method: "POST", body, headers: { "content-type": "application/json", "content-length": String(body.length) } });
      expect(response.status).toBe(413);
      expect(response.headers.get("connection")).toBe("close");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("message_too_large");
    } finally {
      await h.close();
    }
  });
});

describe("POST /listener-reports (anonymous download reports from listener apps)", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  let sessionId: string;
  beforeAll(async () => {
    h = await startHarness();
    ({ sessionId } = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es", "fr"] }));
  });
  afterAll(() => h.close());
  beforeEach(() => void h.reports.splice(0));

  const report = (downloads = [{ latencyMs: 180, ok: true }, { latencyMs: 2500, ok: false }], about: { sessionId?: string; language?: string; key?: string } = {}) =>
    JSON.stringify({ sessionId, language: "es", ...about, downloads });
  /** A report as API Gateway hands it to the Http function, from `sourceIp`, to `api` (one execution environment's). */
  const sendFrom = async (api: Handlers["Http"], sourceIp: string, body = report()) => {
    const { handle } = await import("hono/aws-lambda");
    return (await handle(api)(httpApiEvent("POST", "/listener-reports", { body, sourceIp }) as never, {} as never)) as { statusCode: number; body: string };
  };

  it("records a valid report as measurements and publishes them", async () => {
    const flushes = h.flushes();
    const response = await h.handlers.Http.request("/listener-reports", { method: "POST", body: report() });
    expect(response.status).toBe(204);
    expect(h.reports).toEqual([JSON.parse(report())]);
    expect(h.flushes()).toBe(flushes + 1);
  });

  it.each([
    ["{", "bad_json"],
    [JSON.stringify({ sessionId: "calm-river-101", language: "es", downloads: [] }), "bad_request"],
    [report([{ latencyMs: -1, ok: true }]), "bad_request"],
    [report([{ latencyMs: 10, ok: "yes" as never }]), "bad_request"],
    [JSON.stringify({ sessionId: "../../etc", language: "es", downloads: [{ latencyMs: 1, ok: true }] }), "bad_request"],
    [JSON.stringify({ sessionId: "calm-river-101", language: "es", downloads: [{ latencyMs: 1, ok: true }], extra: 1 }), "bad_request"],
    [report(Array.from({ length: 51 }, () => ({ latencyMs: 1, ok: true }))), "bad_request"],
    [JSON.stringify({ padding: "x".repeat(20_000) }), "message_too_large"],
  ])("refuses %s with %s and records nothing", async (body, code) => {
    const response = await h.handlers.Http.request("/listener-reports", { method: "POST", body });
    expect(response.status).toBe(code === "message_too_large" ? 413 : 400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe(code);
    expect(h.reports).toEqual([]);
  });

  it("takes reports only about a session a listener could join, in a language it offers, and records nothing else", async () => {
    // Prepare: a session that has ended, and a private one.
    const ended = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"] });
    await Session.end(h.adapters.db, ended.sessionId);
    const secret = await Session.create(h.adapters.db, h.adapters.languages(), { sourceLanguage: "en", targetLanguages: ["es"], private: true });
    // Act
    const answers = await Promise.all(
      [
        report(undefined, { sessionId: "no-such-session-1" }),
        report(undefined, { sessionId: ended.sessionId }),
        report(undefined, { sessionId: secret.sessionId }),
        report(undefined, { sessionId: secret.sessionId, key: "2222-3333-4444-5555" }),
        report(undefined, { language: "it" }),
      ].map(async (body) => {
        const response = await h.handlers.Http.request("/listener-reports", { method: "POST", body });
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        return [response.status, error.code, error.message.replace(/"[a-z0-9-]+"/, "<id>")];
      }),
    );
    const keyed = await h.handlers.Http.request("/listener-reports", { method: "POST", body: report(undefined, { sessionId: secret.sessionId, key: secret.joinKey }) });
    // Assess: a missing, an ended and a keyless session alike, as a listener's connection is answered.
    const missing = answers[0]!;
    expect(missing.slice(0, 2)).toEqual([404, "session_not_found"]);
    expect(answers.slice(1, 4)).toEqual([missing, missing, missing]);
    expect(answers[4]!.slice(0, 2)).toEqual([400, "unsupported_language"]);
    expect(keyed.status).toBe(204);
    // The key is not recorded with the measurements.
    expect(h.reports).toEqual([{ sessionId: secret.sessionId, language: "es", downloads: expect.any(Array) }]);
  });

  it("limits each client address (API Gateway's sourceIp) to LISTENER_REPORTS_PER_MINUTE a minute across every execution environment", async () => {
    // Prepare: two execution environments, each with its own Http function over the same table.
    const environments = [compose(h.adapters).Http, compose(h.adapters).Http];
    // Act: the reports of one address land in either environment in turn.
    const statuses: number[] = [];
    for (let i = 0; i <= LISTENER_REPORTS_PER_MINUTE; i++) statuses.push((await sendFrom(environments[i % 2]!, "198.51.100.7")).statusCode);
    const limited = await sendFrom(environments[1]!, "198.51.100.7");
    const other = await sendFrom(environments[0]!, "198.51.100.8");
    // Assess
    expect(statuses).toEqual([...Array(LISTENER_REPORTS_PER_MINUTE).fill(204), 429]);
    expect(JSON.parse(limited.body).error.code).toBe("rate_limited");
    expect(other.statusCode).toBe(204);
    expect(h.reports).toHaveLength(LISTENER_REPORTS_PER_MINUTE + 1);
  });
});
