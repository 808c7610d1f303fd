/**
 * Who is admitted to listen to a session, and how many per language: a cap on a session's listeners (a flood of
 * anonymous connections cannot multiply every segment's posts without bound) and the listener counts the session
 * view and the speaker's status read, one small item instead of a Query of every connection record.
 *
 * The counts follow joins, language changes and disconnects as they happen; a listener whose `$disconnect` never
 * comes stays counted until a post to it answers 410 Gone (every segment's caption goes to every listener).
 *
 * Kept as a counter per session and a place per admitted listener and language (entity.ts), each a small item, so a
 * join or leave writes a couple of units whatever the audience. No write spans both items (local mode's DynamoDB has
 * no transactions), so the order of the writes keeps the one promise that matters, the cap:
 * - admitting counts first (the cap is the condition of that one update, so concurrent joins never pass it), then
 *   creates the place if absent; a place already there means a retry counted it already, and the count is undone.
 *   A retry that finds its place (read strongly consistent) counts nothing.
 * - releasing deletes the place first and counts down only if it was there, never below zero; a retried release
 *   finds no place and counts nothing.
 * A process dying between the two writes, or a failed second write, leaves a count with no place: one listener too
 * many, in its language and in all, until the session's records expire (a day after its last admission). It never
 * leaves a place uncounted, so the cap is never passed and no count goes below the places there are: each such
 * failure costs its session one place until then, which is what doing without a transaction costs. The reverse
 * order would let a failure leave a listener placed but uncounted, one past the cap.
 */
import { ListenerCounts } from "../../protocol/index.ts";
import { VisibleError } from "../../error.ts";
import { type Db, expiresAt, isConditionalFailure } from "../db/index.ts";

/** What a deployment sets about its sessions' audiences (functions' deployment.ts holds the default). */
export interface AudienceLimits {
  maxListenersPerSession: number;
}

export interface Admitted {
  sessionId: string;
  connectionId: string;
  language: string;
}

export namespace Admission {
  /** Conditional updates of the counter tried before a join is refused: each clash is a leave or the counter's creation. */
  const COUNT_ATTEMPTS = 5;

  /** A place's key and all it holds (callers pass their whole record). */
  const placeOf = ({ sessionId, language, connectionId }: Admitted): Admitted => ({ sessionId, language, connectionId });

  /**
   * Admits a listener unless the session holds `maxListeners` already: the count is one conditional update, so
   * concurrent joins never pass the cap. Admitting one already admitted (a retry) succeeds and counts nothing.
   */
  export async function admit(db: Db, listener: Admitted, maxListeners: number): Promise<void> {
    await take(db, listener, maxListeners);
  }

  /** Takes a listener's place away; releasing one not admitted (a retried disconnect) changes nothing. */
  export async function release(db: Db, listener: Admitted): Promise<void> {
    const { data } = await db.entities.admissionPlace.delete(placeOf(listener)).go({ response: "all_old" });
    if (data) await countDown(db, listener);
  }

  /** Admits again, whatever the cap, a listener released a moment ago to change its language: it keeps its place. */
  export async function readmit(db: Db, listener: Admitted): Promise<void> {
    await take(db, listener);
  }

  /** Listeners per language, as admitted (eventually consistent: a join a moment ago may not show yet). */
  export async function counts(db: Db, sessionId: string): Promise<ListenerCounts> {
    const { data } = await db.entities.admission.get({ sessionId }).go();
    // The counter's map is untyped in the entity (a count per language, its keys unknown ahead): checked here.
    const stored = ListenerCounts.parse(data?.counts ?? {});
    return Object.fromEntries(Object.entries(stored).filter(([, count]) => count > 0));
  }

  /** Counted, then placed (the module's comment says why in this order); `maxListeners` absent: no cap. */
  async function take(db: Db, listener: Admitted, maxListeners?: number): Promise<void> {
    if (await holds(db, listener)) return;
    try {
      await countUp(db, listener.sessionId, listener.language, maxListeners);
    } catch (error) {
      // Refused only because a retry of this same admission, at the same moment, took the last place.
      if (error instanceof VisibleError && error.code === "session_full" && (await holds(db, listener))) return;
      throw error;
    }
    try {
      await db.entities.admissionPlace.create({ ...placeOf(listener), expiresAt: expiresAt() }).go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // A retry at the same moment placed it, and counted it too.
      await countDown(db, listener);
    }
  }

  async function holds(db: Db, listener: Admitted): Promise<boolean> {
    const { data } = await db.entities.admissionPlace.get(placeOf(listener)).go({ consistent: true });
    return data !== null;
  }

  async function countUp(db: Db, sessionId: string, language: string, maxListeners?: number, attempt = 1): Promise<void> {
    try {
      await db.entities.admission
        .update({ sessionId })
        .data((a, o) => {
          o.add(a.total, 1);
          o.add(a.counts[language], 1);
          o.set(a.expiresAt, expiresAt());
        })
        // The counter must exist: a language's count is a path in its map.
        .where((a, op) => (maxListeners === undefined ? op.exists(a.counts) : `${op.exists(a.counts)} AND ${op.lt(a.total, maxListeners)}`))
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const { data } = await db.entities.admission.get({ sessionId }).go({ consistent: true });
      if (data && maxListeners !== undefined && data.total >= maxListeners) throw sessionFull(sessionId, maxListeners);
      if (attempt >= COUNT_ATTEMPTS) throw maxListeners === undefined ? error : sessionFull(sessionId, maxListeners);
      if (!data) await openCounter(db, sessionId);
      await countUp(db, sessionId, language, maxListeners, attempt + 1);
    }
  }

  /** Counts one fewer, never below zero (a counter that expired, or one the count was already taken from). */
  async function countDown(db: Db, { sessionId, language }: Admitted): Promise<void> {
    try {
      await db.entities.admission
        .update({ sessionId })
        .data((a, o) => {
          o.subtract(a.total, 1);
          o.subtract(a.counts[language], 1);
          o.set(a.expiresAt, expiresAt());
        })
        .where((a, op) => `${op.gt(a.total, 0)} AND ${op.gt(a.counts[language], 0)}`)
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /** The session's counter, at zero, unless another admission made it first. */
  async function openCounter(db: Db, sessionId: string): Promise<void> {
    try {
      await db.entities.admission.create({ sessionId, total: 0, counts: {}, expiresAt: expiresAt() }).go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  function sessionFull(sessionId: string, maxListeners: number): VisibleError {
    return new VisibleError("session_full", `session "${sessionId}" has its maximum of ${maxListeners} listeners; try again when someone leaves`, 429);
  }
}
