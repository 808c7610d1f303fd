/**
 * Who is admitted to listen to a session, and how many per language: a cap on a session's listeners (a flood of
 * anonymous connections cannot multiply every segment's posts without bound) and the listener counts the session
 * view and the speaker's status read, one small item instead of a Query of every connection record.
 *
 * The counts follow joins, language changes and disconnects as they happen; a listener whose `$disconnect` never
 * comes stays counted until a post to it answers 410 Gone (every segment's caption goes to every listener).
 */
import type { ListenerCounts } from "../../protocol/index.ts";
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
  const member = ({ language, connectionId }: Admitted) => `${language} ${connectionId}`;

  /**
   * Admits a listener unless the session holds `maxListeners` already: one conditional update, so concurrent
   * joins never pass the cap. Admitting one already admitted (a retry) succeeds.
   */
  export async function admit(db: Db, listener: Admitted, maxListeners: number): Promise<void> {
    const item = member(listener);
    try {
      await db.entities.admission
        .update({ sessionId: listener.sessionId })
        .add({ listeners: [item] })
        .set({ maxListeners, expiresAt: expiresAt() })
        .where(
          (a, op) => `${op.notExists(a.listeners)} OR ${op.size(a.listeners)} < ${op.value(a.maxListeners, maxListeners)} OR ${op.contains(a.listeners, item)}`,
        )
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      throw new VisibleError(
        "session_full",
        `session "${listener.sessionId}" has its maximum of ${maxListeners} listeners; try again when someone leaves`,
        429,
      );
    }
  }

  /** Takes a listener off the session's roll; releasing one not on it (a retried disconnect) changes nothing. */
  export async function release(db: Db, listener: Admitted): Promise<void> {
    const update = db.entities.admission.update({ sessionId: listener.sessionId });
    await update.delete({ listeners: [member(listener)] }).set({ expiresAt: expiresAt() }).go({ response: "none" });
  }

  /** Admits again, whatever the cap, a listener released a moment ago to change its language: it keeps its place. */
  export async function readmit(db: Db, listener: Admitted): Promise<void> {
    const update = db.entities.admission.update({ sessionId: listener.sessionId });
    await update.add({ listeners: [member(listener)] }).set({ expiresAt: expiresAt() }).go({ response: "none" });
  }

  /** Listeners per language, as admitted (eventually consistent: a join a moment ago may not show yet). */
  export async function counts(db: Db, sessionId: string): Promise<ListenerCounts> {
    const { data } = await db.entities.admission.get({ sessionId }).go();
    const counts: ListenerCounts = {};
    for (const item of data?.listeners ?? []) {
      const language = item.slice(0, item.indexOf(" "));
      counts[language] = (counts[language] ?? 0) + 1;
    }
    return counts;
  }
}
