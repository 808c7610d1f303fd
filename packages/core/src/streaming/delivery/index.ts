/**
 * Idempotent delivery per (segment, recipients, part), after the pattern of Powertools' idempotency utility: a
 * conditional write claims it "in progress" with an expiry, the work runs, then it is marked done. A crash at
 * any point leaves it in progress; the retried batch takes it over (its claimant's attempt is over: a
 * session's batches run one at a time) and delivers it once. Nothing is marked done before it is done.
 *
 * A group's parts go out in order (caption, translation, audio), each claimed only once the one before it was sent:
 * so the next part's claim is the proof that the part before it is done, and the part before it is not marked done
 * with a write of its own. A part is marked done only when no later part follows it. That makes 4 writes for a
 * voiced part and language (3 claims, 1 completion) instead of 6, with the same guarantees.
 */
import { type Db, expiresAt, isConditionalFailure } from "../../domain/db/index.ts";

/** "bundle": a part's one message (source text, translation and audio) to the listeners that take it so. */
export type DeliveryPart = "caption" | "translation" | "audio" | "bundle";

/** The part claimed after each, whose claim proves it sent. */
const NEXT_PART: Partial<Record<DeliveryPart, DeliveryPart>> = { caption: "translation", translation: "audio" };

export interface DeliveryKey {
  sessionId: string;
  sequenceNumber: number;
  /**
   * "speaker", the language of a group of listeners ("es"), or, for the listeners that take segments in parts, the
   * language and the part of the segment ("es#part1").
   */
  recipients: string;
  part: DeliveryPart;
}

/** How long an in-progress claim holds against an attempt that cannot prove the claimant's batch is over. */
export const IN_PROGRESS_MS = 60_000;
/**
 * The attempts a delivery gets: as many as the event source invokes a batch (the first and its retries), so the last
 * one Lambda makes gives a failing delivery up (logged and counted) instead of failing the batch, which would send
 * every other listener's messages of the batch to the failure destination. The functions' event source settings are
 * held to this by a test.
 */
export const MAX_DELIVERY_ATTEMPTS = 4;

export type Claim =
  | { status: "claimed"; claimedAt: number; attempt: number }
  | { status: "done" }
  /** Another attempt that may still be running holds it: retry the batch later. */
  | { status: "busy" }
  /** Failed too often: give it up. */
  | { status: "exhausted"; claimedAt: number; attempt: number };

/** Raised when a delivery is held by an attempt that may still be running: the batch must be retried later. */
export class DeliveryInProgressError extends Error {
  override readonly name = "DeliveryInProgressError";
}

/**
 * Claims a delivery for the batch that started from checkpoint `revision`. A claim left in progress by an
 * attempt from the same or an earlier revision is taken over at once: that attempt's batch has ended.
 */
export async function claimDelivery(db: Db, key: DeliveryKey, revision: number, now = Date.now()): Promise<Claim> {
  const fresh = { status: "in_progress" as const, revision, claimedAt: now, inProgressUntil: now + IN_PROGRESS_MS, expiresAt: expiresAt(now) };
  try {
    await db.entities.delivery.create({ ...key, ...fresh, attempts: 1 }).go();
    return { status: "claimed", claimedAt: now, attempt: 1 };
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
  }
  const { data: held } = await db.entities.delivery.get(key).go({ consistent: true });
  if (!held) return claimDelivery(db, key, revision, now);
  if (held.status === "done" || (await laterPartClaimed(db, key))) return { status: "done" };
  if (held.revision > revision && held.inProgressUntil > now) return { status: "busy" };
  const attempt = held.attempts + 1;
  try {
    await db.entities.delivery
      .patch(key)
      .set({ ...fresh, attempts: attempt })
      .where(({ status, claimedAt }, { eq }) => `${eq(status, "in_progress")} AND ${eq(claimedAt, held.claimedAt)}`)
      .go();
  } catch (error) {
    if (isConditionalFailure(error)) return { status: "busy" };
    throw error;
  }
  return attempt > MAX_DELIVERY_ATTEMPTS ? { status: "exhausted", claimedAt: now, attempt } : { status: "claimed", claimedAt: now, attempt };
}

/** Whether the part after `key`'s was claimed: then `key`'s part was sent (see the module's comment). */
async function laterPartClaimed(db: Db, key: DeliveryKey): Promise<boolean> {
  const next = NEXT_PART[key.part];
  if (!next) return false;
  const { data } = await db.entities.delivery.get({ ...key, part: next }).go({ consistent: true });
  return data !== null;
}

/**
 * Marks a delivery done, if this attempt still holds it. "superseded" when it no longer does: the SDK retried
 * a write that had already landed, or the claim expired and another attempt took it over (that attempt sends
 * again; listeners drop a segment they already have).
 */
export async function completeDelivery(db: Db, key: DeliveryKey, claimedAt: number, abandoned = false): Promise<"done" | "superseded"> {
  try {
    await db.entities.delivery
      .patch(key)
      .set({ status: "done", ...(abandoned ? { abandoned } : {}) })
      .where(({ status, claimedAt: at }, { eq }) => `${eq(status, "in_progress")} AND ${eq(at, claimedAt)}`)
      .go();
    return "done";
  } catch (error) {
    if (isConditionalFailure(error)) return "superseded";
    throw error;
  }
}
