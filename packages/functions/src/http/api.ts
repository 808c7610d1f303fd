/** The HTTP API (hono): health, languages, sessions, listener reports. The same app runs in Lambda and in local mode. */
import { VisibleError } from "@livetranslate/core/error";
import {
  CreateSessionRequest,
  describeIssues,
  type ErrorBody,
  JoinByBroadcastRequest,
  JoinKey,
  type ListenerPass,
  ListenerReport,
  RenewPassRequest,
} from "@livetranslate/core/protocol";
import { requestVocabulary } from "@livetranslate/core/domain/glossary";
import { broadcastClientId } from "@livetranslate/core/adapters/aws/iot";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { ListenerReports } from "@livetranslate/core/domain/listener-report";
import { Session } from "@livetranslate/core/domain/session";
import { Transcript } from "@livetranslate/core/domain/transcript";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { rateLimiter } from "hono-rate-limiter";
import type { Adapters } from "../adapters.ts";
import { LISTENER_REPORTS_PER_MINUTE } from "../deployment.ts";
import { tableRateLimitStore } from "./rate-limit-store.ts";

const SESSION_REQUEST_MAX_BYTES = 1024 * 1024;

export function createApi(adapters: Pick<Adapters, "db" | "languages" | "vocabularies" | "measurements" | "log" | "broadcastBroker" | "limits">) {
  /** The pass as the listener app uses it: where to connect, as whom, and which topic to subscribe to. */
  const listenerPass = (pass: Broadcast.Pass): ListenerPass => {
    const { url, topicPrefix } = adapters.broadcastBroker;
    return { ...pass, broker: { url, clientId: broadcastClientId(pass.listenerId), topic: Broadcast.topic(topicPrefix, pass.sessionId, pass.language) } };
  };
  const app = new Hono()
    .get("/health", (c) => c.json({ ok: true }))
    .get("/languages", (c) => c.json(adapters.languages()))
    .post(
      "/sessions",
      // The largest valid request (a full glossary in many languages) fits with room to spare.
      bodyLimit({
        maxSize: SESSION_REQUEST_MAX_BYTES,
        onError: () => {
          throw new VisibleError("message_too_large", `a session request is at most ${SESSION_REQUEST_MAX_BYTES / 1024} KB`, 413);
        },
      }),
      async (c) => {
        const input = CreateSessionRequest.safeParse(await jsonBody(c));
        if (!input.success) throw new VisibleError("bad_request", describeIssues(input.error));
        const created = await Session.create(adapters.db, adapters.languages(), input.data, signedInAccount(c));
        adapters.log({ level: "info", event: "session.created", sessionId: created.sessionId, targetLanguages: created.targetLanguages });
        await requestVocabulary(adapters.vocabularies, adapters.log, { ...created, glossary: input.data.glossary });
        return c.json(created, 201);
      },
    )
    .get("/sessions/:sessionId", async (c) => {
      const key = JoinKey.optional().safeParse(c.req.query("key"));
      if (!key.success) throw new VisibleError("bad_request", `key ${describeIssues(key.error)}`);
      return c.json(await Session.view(adapters.db, c.req.param("sessionId"), { key: key.data, speakerToken: bearer(c) }));
    })
    .get("/sessions/:sessionId/transcript", async (c) => {
      const { body, contentType } = await Transcript.read(adapters.db, {
        sessionId: c.req.param("sessionId"),
        token: bearer(c),
        language: c.req.query("language"),
        format: c.req.query("format"),
      });
      return c.body(body, 200, { "content-type": contentType });
    })
    .post("/sessions/:sessionId/listeners", async (c) => {
      const input = JoinByBroadcastRequest.safeParse(await jsonBody(c));
      if (!input.success) throw new VisibleError("bad_request", describeIssues(input.error));
      const request = { sessionId: c.req.param("sessionId"), ...input.data };
      return c.json(listenerPass(await Broadcast.join(adapters.db, request, adapters.limits)), 201);
    })
    .put("/sessions/:sessionId/listeners/:listenerId", async (c) => {
      const input = RenewPassRequest.safeParse(await jsonBody(c));
      if (!input.success) throw new VisibleError("bad_request", describeIssues(input.error));
      const pass = await Broadcast.renew(adapters.db, bearer(c) ?? "", input.data.language);
      if (pass.sessionId !== c.req.param("sessionId") || pass.listenerId !== c.req.param("listenerId")) {
        throw new VisibleError("unauthorized", "this pass belongs to another listener or session", 403);
      }
      return c.json(listenerPass(pass));
    })
    .delete("/sessions/:sessionId/listeners/:listenerId", async (c) => {
      await Broadcast.leave(adapters.db, bearer(c) ?? "", { sessionId: c.req.param("sessionId"), listenerId: c.req.param("listenerId") });
      return c.body(null, 204);
    })
    .post(
      "/listener-reports",
      // Anonymous: bounded per client address, counted in the table that every execution environment shares (API
      // Gateway's route throttling bounds the whole route); a 16 KB body holds the largest valid report several
      // times over.
      rateLimiter({
        windowMs: 60_000,
        limit: LISTENER_REPORTS_PER_MINUTE,
        keyGenerator: clientAddress,
        store: tableRateLimitStore(adapters.db, "listener-reports"),
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
        await ListenerReports.accept(adapters.db, adapters.measurements, report.data);
        return c.body(null, 204);
      },
    );
  app.notFound(unrouted(app));
  app.onError((error, c) => {
    if (error instanceof VisibleError) {
      // A refused body may still be arriving: the connection closes after the answer, not under the next request.
      if (error.status === 413) c.header("connection", "close");
      return c.json<ErrorBody>({ error: { code: error.code, message: error.message } }, error.status as ContentfulStatusCode);
    }
    adapters.log({ level: "error", event: "http.failed", path: c.req.path, error: String(error) });
    return c.json<ErrorBody>({ error: { code: "internal", message: "the server failed; try again" } }, 500);
  });
  return app;
}

export type Api = ReturnType<typeof createApi>;

/**
 * What a request no route takes is answered, in the API's JSON shape: 405 with Allow when `app` has routes for
 * its path under other methods, 404 otherwise. Local mode, which mounts the API beside its web apps, answers with
 * it too.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app's routes
export function unrouted(app: Hono<any, any, any>) {
  return (c: Context) => {
    const allowed = [
      ...new Set(app.routes.filter((route) => route.method !== "ALL" && routePattern(route.path).test(c.req.path)).map((route) => route.method)),
    ];
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      c.header("allow", allowed.join(", "));
      return c.json<ErrorBody>({ error: { code: "method_not_allowed", message: `${c.req.method} is not allowed here; use ${allowed.join(" or ")}` } }, 405);
    }
    return c.json<ErrorBody>({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path.slice(0, 200)}` } }, 404);
  };
}

/** A hono route path (`/sessions/:sessionId`, `/speaker/*`) as a regular expression over request paths. */
function routePattern(path: string): RegExp {
  const parts = path.split("/").map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("/")}$`);
}

/** The credential in `Authorization: Bearer <...>`, if any. */
export function bearer(c: Context): string | undefined {
  return c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new VisibleError("bad_json", "the request body is not valid JSON");
  }
}

/**
 * The signed-in speaker creating a session: the `sub` of the Cognito token API Gateway's JWT authorizer checked
 * (AWS), or none (local mode, where sessions are open).
 */
function signedInAccount(c: Context): string | undefined {
  const env = c.env as { event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } } | undefined;
  const sub = env?.event?.requestContext?.authorizer?.jwt?.claims?.sub;
  return typeof sub === "string" && sub ? sub : undefined;
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
