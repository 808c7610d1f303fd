/**
 * hono-rate-limiter's store over the table (core's RateLimit): every execution environment counts a client's
 * requests in the same place, so a client gets its limit once, not once per environment Lambda runs.
 */
import type { Db } from "@livetranslate/core/domain/db";
import { RateLimit } from "@livetranslate/core/domain/rate-limit";
import type { Store } from "hono-rate-limiter";

/** `name` sets the limits of one route apart from another's. */
export function tableRateLimitStore(db: Db, name: string): Store {
  let windowMs = 60_000;
  const key = (client: string) => `${name} ${client}`;
  return {
    init: (options) => {
      windowMs = options.windowMs;
    },
    increment: async (client) => {
      const { hits, resetAt } = await RateLimit.hit(db, key(client), windowMs);
      return { totalHits: hits, resetTime: new Date(resetAt) };
    },
    decrement: (client) => RateLimit.unhit(db, key(client)),
    resetKey: (client) => RateLimit.reset(db, key(client)),
    localKeys: false,
    prefix: name,
  };
}
