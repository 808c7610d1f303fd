/** The HTTP API (hono): health, languages, sessions, listener reports. The same app runs in Lambda and in local mode. */
import { VisibleError } from "@livetranslate/core/error";
import { CreateSessionRequest, describeIssues, type ErrorBody, ListenerReport } from "@livetranslate/core/protocol";
import { requestVocabulary } from "@livetranslate/core/domain/glossary";
import { Session } from "@livetranslate/core/domain/session";
import { Transcript } from "@livetranslate/core/domain/transcript";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { rateLimiter } from "hono-rate-limiter";
import type { Adapters } from "../adapters.ts";
import { LISTENER_REPORTS_PER_MINUTE } from "../deployment.ts";

export function createApi(adapters: Pick<Adapters, "db" | "languages" | "vocabularies" | "measurements" | "log">) {
  const app = new Hono()
    .get("/health", (c) => c.json({ ok: true }))
    .get("/languages", (c) => c.json(adapters.languages()))
    .post("/sessions", async (c) => {
      const input = CreateSessionRequest.safeParse(await jsonBody(c));
      if (!input.success) throw new VisibleError("bad_request", describeIssues(input.error));
      const created = await Session.create(adapters.db, adapters.languages(), input.data);
      adapters.log({ level: "info", event: "session.created", sessionId: created.sessionId, targetLanguages: created.targetLanguages });
      await requestVocabulary(adapters.vocabularies, adapters.log, { ...created, glossary: input.data.glossary });
      return c.json(created, 201);
    })
    .get("/sessions/:sessionId", async (c) => c.json(await Session.view(adapters.db, c.req.param("sessionId"))))
    .get("/sessions/:sessionId/transcript", async (c) => {
      const { body, contentType } = await Transcript.read(adapters.db, {
        sessionId: c.req.param("sessionId"),
        token: c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1],
        language: c.req.query("language"),
        format: c.req.query("format"),
      });
      return c.body(body, 200, { "content-type": contentType });
    })
    .post(
      "/listener-reports",
      // Anonymous: bounded per client address. In Lambda the count is per execution environment (API Gateway's
      // route throttling bounds the whole route); a 16 KB body holds the largest valid report several times over.
      rateLimiter({
        windowMs: 60_000,
        limit: LISTENER_REPORTS_PER_MINUTE,
        keyGenerator: clientAddress,
        standardHeaders: "draft-7",
        handler: (c) =>
          c.json<ErrorBody>(
            { error: { code: "rate_limited", message: `at most ${LISTENER_REPORTS_PER_MINUTE} reports a minute; send fewer, larger batches` } },
            429,
          ),
      }),
      bodyLimit({
        maxSize: 16 * 1024,
        onError: () => {
          throw new VisibleError("message_too_large", "a listener report is at most 16 KB", 413);
        },
      }),
      async (c) => {
        const report = ListenerReport.safeParse(await jsonBody(c));
        if (!report.success) throw new VisibleError("bad_request", describeIssues(report.error));
        adapters.measurements.audioDownloads(report.data);
        adapters.measurements.flush();
        return c.body(null, 204);
      },
    );
  app.notFound((c) => c.json<ErrorBody>({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    if (error instanceof VisibleError) {
      return c.json<ErrorBody>({ error: { code: error.code, message: error.message } }, error.status as ContentfulStatusCode);
    }
    adapters.log({ level: "error", event: "http.failed", path: c.req.path, error: String(error) });
    return c.json<ErrorBody>({ error: { code: "internal", message: "the server failed; try again" } }, 500);
  });
  return app;
}

export type Api = ReturnType<typeof createApi>;

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new VisibleError("bad_json", "the request body is not valid JSON");
  }
}

/**
 * Who is calling: the source address API Gateway saw (Lambda), or the socket's peer (local mode, Node server).
 * Never a forwarded-for header, which any client can write.
 */
function clientAddress(c: Context): string {
  const env = c.env as
    | { event?: { requestContext?: { http?: { sourceIp?: string } } }; incoming?: { socket?: { remoteAddress?: string } } }
    | undefined;
  return env?.event?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? "unknown";
}
