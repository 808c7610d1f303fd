/**
 * The HTTP API under hostile input, as local mode serves it (web apps and audio beside it): thousands of generated
 * requests (paths, methods, queries, bodies, tokens), seeded so a failure repeats. None may fail the server (500) or
 * reset the connection, and every error is the API's JSON shape; a path with routes for other methods answers 405
 * naming them.
 */
import { request as httpRequest } from "node:http";
import { memoryLog } from "@livetranslate/core/log";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalMode, startLocal } from "./server.ts";

const REQUESTS = 3000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on its own connection, with the body as given (node's http, so nothing is normalized away). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the HTTP API under generated hostile requests", () => {
  let local: LocalMode;
  let sessionId: string;
  let speakerToken: string;
  beforeAll(async () => {
    local = await startLocal({ port: 0, log: memoryLog() });
    const created = (await (
      await fetch(`${local.url}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"], keepTranscript: true }) })
    ).json()) as { sessionId: string; speakerToken: string };
    ({ sessionId, speakerToken } = created);
  });
  afterAll(() => local?.close());

  it(`answers ${REQUESTS} of them without a 500, a reset or an error that is not JSON`, async () => {
    const rng = xoroshiro128plus(27);
    const int = (max: number) => uniformInt(rng, 0, max - 1);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const junk = (length: number) => Array.from({ length }, () => String.fromCharCode(int(0x7f - 0x20) + 0x20)).join("");
    const ids = () => [sessionId, "no-such-session-1", "x".repeat(2000), "A-B-C", "..%2F..%2Fetc", "%00", "a", junk(int(80)), "%E2%82%AC", "-".repeat(64)];
    const paths = () => {
      const id = encodeURIComponent(pick(ids()));
      return pick([
        "/health",
        "/languages",
        "/sessions",
        `/sessions/${id}`,
        `/sessions/${id}/transcript`,
        "/listener-reports",
        `/sessions/${id}/transcript?language=${encodeURIComponent(junk(int(6)))}&format=${pick(["vtt", "srt", "txt", "json", "exe", ""])}`,
        `/${encodeURIComponent(junk(int(30)))}`,
        `/sessions/${id}/${encodeURIComponent(junk(5))}`,
        "/sessions/",
        "//sessions",
        `/audio/livetranslate-audio/sessions/${id}/es/000001.wav?X-Amz-Signature=${encodeURIComponent(junk(10))}`,
      ]);
    };
    const bodies = () =>
      pick<Buffer | undefined>([
        undefined,
        Buffer.from("{"),
        Buffer.from("null"),
        Buffer.from("[]"),
        Buffer.from(JSON.stringify({ sourceLanguage: pick(["en", "EN", "zz", 1, null]), targetLanguages: pick([["es"], "es", [1], [], undefined]) })),
        Buffer.from(JSON.stringify({ sourceLanguage: "en", glossary: [{ term: junk(int(300)), translations: { es: junk(5) } }] })),
        Buffer.from(JSON.stringify({ sessionId: pick(ids()), language: "es", downloads: [{ latencyMs: pick([1, -1, "x", 1e12]), ok: true }] })),
        Buffer.from(junk(int(500))),
        Buffer.alloc(20_000 + int(2_000_000), 0x7b),
        Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
      ]);
    const failures: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const method = pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
      const path = paths();
      const body = method === "GET" || method === "HEAD" ? undefined : bodies();
      const headers: Record<string, string> = {};
      if (int(2)) headers["content-type"] = pick(["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]);
      if (int(2)) headers.authorization = pick([`Bearer ${speakerToken}`, "Bearer ", `Bearer ${junk(int(200))}`, "Basic abc", junk(20)]);
      const what = `${method} ${path.slice(0, 120)} (${body?.length ?? 0} bytes)`;
      let answer: Answer;
      try {
        answer = await send(local.port, method, path, headers, body);
      } catch (error) {
        failures.push(`${what}: ${String(error)}`);
        continue;
      }
      if (answer.status >= 500) failures.push(`${what}: ${answer.status} ${answer.body.slice(0, 200)}`);
      if (answer.status >= 400 && method !== "HEAD") {
        let code: unknown;
        try {
          code = (JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } }).error?.code;
        } catch {
          code = undefined;
        }
        if (typeof code !== "string") failures.push(`${what}: ${answer.status} not the API's JSON error: ${answer.body.slice(0, 120)}`);
      }
      if (answer.status === 405 && !answer.headers.allow) failures.push(`${what}: 405 without Allow`);
    }
    expect(failures.slice(0, 30), `${failures.length} of ${REQUESTS} requests failed`).toEqual([]);
  });

  it("answers a known route's other methods 405 naming the allowed ones, and unknown paths 404, in JSON", async () => {
    const wrongMethod = await fetch(`${local.url}/sessions`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(await wrongMethod.json()).toMatchObject({ error: { code: "method_not_allowed" } });
    const unknown = await fetch(`${local.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    const longId = await fetch(`${local.url}/sessions/${"x".repeat(2000)}`);
    expect(longId.status).toBe(400);
    expect(await longId.json()).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("sessionId") } });
  });
});
