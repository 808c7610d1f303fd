/**
 * The operator secret. Off loopback, anyone on the venue's network reaches local mode; creating a session (the
 * routes AWS puts behind the speakers' sign-in, `auth: "speaker"` in HTTP_ROUTES) then needs the secret local mode
 * printed at start, as `Authorization: Bearer <secret>`. This plays API Gateway's authorizer: the handlers are
 * the same in both modes.
 */
import { Secret } from "@livetranslate/core/domain/secret";
import type { ErrorBody } from "@livetranslate/core/protocol";
import { HTTP_ROUTES } from "@livetranslate/functions/deployment";
import { bearer } from "@livetranslate/functions/http/api";
import type { Hono } from "hono";
import { isLoopback } from "./public-origin.ts";

/** A secret a person chose must still be out of reach of guessing over the network. */
const MIN_CHOSEN_CHARACTERS = 12;

/**
 * The secret creating a session needs: the one configured (LIVETRANSLATE_OPERATOR_SECRET), on any address; else a
 * fresh one when `host` is not loopback; else none (only this machine's user reaches a loopback address).
 */
export function operatorSecretFor(host: string, configured: string | undefined): string | undefined {
  if (configured !== undefined) {
    if (Secret.normalize(configured).length < MIN_CHOSEN_CHARACTERS) {
      throw new Error(`LIVETRANSLATE_OPERATOR_SECRET must have at least ${MIN_CHOSEN_CHARACTERS} letters or digits (dashes and spaces aside)`);
    }
    return configured;
  }
  return isLoopback(host) ? undefined : Secret.readable(16);
}

/** Puts the speaker-only routes of `app` behind `secret`; mount before the routes themselves. */
export function requireOperatorSecret(app: Hono, secret: string): void {
  for (const { route } of HTTP_ROUTES.filter((r) => r.auth === "speaker")) {
    const [method, path] = route.split(" ") as [string, string];
    app.on(method, path.replace(/\{(\w+)\}/g, ":$1"), async (c, next) => {
      const given = bearer(c);
      if (given !== undefined && Secret.equal(Secret.normalize(secret), Secret.normalize(given))) return next();
      c.header("www-authenticate", 'Bearer realm="livetranslate local mode"');
      const message =
        given === undefined
          ? "creating a session here needs the operator secret local mode printed at start: send Authorization: Bearer <secret>"
          : "the operator secret is wrong: use the one local mode printed at start (or LIVETRANSLATE_OPERATOR_SECRET)";
      return c.json<ErrorBody>({ error: { code: "unauthorized", message } }, 401);
    });
  }
}
