/**
 * A limit on requests per client and window, counted in the table: in Lambda every execution environment has its
 * own memory, so a count kept there would let a client through once per environment.
 */
import { type Db, isConditionalFailure } from "../db/index.ts";

export interface RateWindow {
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** When the window ends and the count starts again (epoch ms). */
  resetAt: number;
}

export namespace RateLimit {
  /**
   * Counts one request of `key`: in its window when one is open (one conditional update), else in a new window of
   * `windowMs` from now. Concurrent requests never lose a count: a window opened by another meanwhile is counted in.
   */
  export async function hit(db: Db, key: string, windowMs: number, now = Date.now()): Promise<RateWindow> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const { data } = await db.entities.rateWindow
          .update({ key })
          .add({ hits: 1 })
          .where((a, op) => op.gt(a.resetAt, now))
          .go({ response: "all_new" });
        return { hits: data.hits ?? 1, resetAt: data.resetAt ?? now + windowMs };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
      const resetAt = now + windowMs;
      try {
        await db.entities.rateWindow
          .update({ key })
          .set({ hits: 1, resetAt, expiresAt: Math.ceil(resetAt / 1000) })
          .where((a, op) => `${op.notExists(a.resetAt)} OR ${op.lte(a.resetAt, now)}`)
          .go({ response: "none" });
        return { hits: 1, resetAt };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    }
    throw new Error(`the rate window of ${key} kept changing under its update`);
  }

  /** Takes back one request counted in the open window (one the limiter was told not to count after all). */
  export async function unhit(db: Db, key: string, now = Date.now()): Promise<void> {
    await db.entities.rateWindow
      .update({ key })
      .add({ hits: -1 })
      .where((a, op) => op.gt(a.resetAt, now))
      .go({ response: "none" })
      .catch((error: unknown) => {
        // The window has ended: nothing is left to take back.
        if (!isConditionalFailure(error)) throw error;
      });
  }

  /** Forgets what `key` sent. */
  export async function reset(db: Db, key: string): Promise<void> {
    await db.entities.rateWindow.delete({ key }).go();
  }
}
