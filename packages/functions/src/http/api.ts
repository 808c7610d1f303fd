/** The HTTP API (hono): health, languages, sessions. The same app runs in Lambda and in local mode. */
import { VisibleError } from "@livetranslate/core/error";
import { CreateSessionRequest, describeIssues, type ErrorBody } from "@livetranslate/core/protocol";
import { createSession, viewSession } from "@livetranslate/core/session";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { GetDeps } from "../deps.ts";

export function createApi(getDeps: GetDeps) {
  const app = new Hono()
    .get("/health", (c) => c.json({ ok: true }))
    .get("/languages", (c) => c.json(getDeps().languages()))
    .post("/sessions", async (c) => {
      const deps = getDeps();
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new VisibleError("bad_json", "the request body is not valid JSON");
      }
      const input = CreateSessionRequest.safeParse(body);
      if (!input.success) throw new VisibleError("bad_request", describeIssues(input.error));
      const created = await createSession(deps.db, deps.languages(), input.data);
      deps.log({ level: "info", event: "session.created", sessionId: created.sessionId, targetLanguages: created.targetLanguages });
      return c.json(created, 201);
    })
    .get("/sessions/:sessionId", async (c) => c.json(await viewSession(getDeps().db, c.req.param("sessionId"))));

  app.notFound((c) => c.json<ErrorBody>({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    if (error instanceof VisibleError) {
      return c.json<ErrorBody>({ error: { code: error.code, message: error.message } }, error.status as ContentfulStatusCode);
    }
    getDeps().log({ level: "error", event: "http.failed", path: c.req.path, error: String(error) });
    return c.json<ErrorBody>({ error: { code: "internal", message: "the server failed; try again" } }, 500);
  });
  return app;
}

export type Api = ReturnType<typeof createApi>;
