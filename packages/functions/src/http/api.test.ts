import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, webSocketEvent } from "../testing/harness.ts";
import { createConnectHandler } from "../ws/connect.ts";
import { createApi } from "./api.ts";

describe("HTTP API", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  let api: ReturnType<typeof createApi>;
  beforeAll(async () => {
    h = await startHarness();
    api = createApi(h.getDeps);
  });
  afterAll(() => h.close());

  const post = (body: string) => api.request("/sessions", { method: "POST", body, headers: { "content-type": "application/json" } });

  it("answers health and languages", async () => {
    expect(await (await api.request("/health")).json()).toEqual({ ok: true });
    expect(await (await api.request("/languages")).json()).toEqual({ source: ["en"], target: ["es", "fr", "it"] });
  });

  it("creates a session with a readable id and a secret token, and shows it with listener counts", async () => {
    const response = await post(JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as { sessionId: string; speakerToken: string; targetLanguages: string[] };
    expect(created.sessionId).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    expect(created.speakerToken.length).toBeGreaterThanOrEqual(21);
    await createConnectHandler(h.getDeps)(
      webSocketEvent("CONNECT", "l1", { query: { role: "listener", sessionId: created.sessionId, language: "es" } }),
    );
    const view = await (await api.request(`/sessions/${created.sessionId}`)).json();
    expect(view).toEqual({ sessionId: created.sessionId, sourceLanguage: "en", targetLanguages: ["es", "fr"], status: "active", listeners: { es: 1 } });
    expect(JSON.stringify(view)).not.toContain(created.speakerToken);
  });

  it("offers every supported target when none are named", async () => {
    const created = (await (await post(JSON.stringify({ sourceLanguage: "en" }))).json()) as { targetLanguages: string[] };
    expect(created.targetLanguages).toEqual(["es", "fr", "it"]);
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
      const lambda = handle(createApi(h.getDeps));
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
