/**
 * Parts a broadcast channel owes its listeners. A part whose publish IoT Core's quota refused past its retry budget
 * is not dropped: it is kept here, and the channel's next publish (the next part, or the session's end) carries it
 * and every other part kept before it, in one message (protocol's `carried`). A backlog so costs no extra publish.
 * Kept in the table rather than in the consumer's memory: the session's next batch may run in another execution
 * environment, or after a restart, and still owes them. Carried at least once: a crash between the carrying publish
 * and the delete carries them again, and listeners keep one copy of a part (by segment and part).
 */
import { type Db, expiresAt } from "../../domain/db/index.ts";
import { type CarriedPart, type PartMessage, placeInTalk } from "../../protocol/index.ts";

/** A session's language as its listeners by broadcast hear it. */
export interface Channel {
  sessionId: string;
  language: string;
}

/** The part as a later message carries it: its caption and translation, not its speech (heard late, behind the talk). */
export function carriedOf(message: PartMessage): CarriedPart {
  const { type: _type, sessionId: _sessionId, audio: _audio, carried: _carried, ...part } = message;
  return part;
}

/** Keeps `message`'s part for the channel's next publish (idempotent: the same part twice is one row). */
export async function keep(db: Db, channel: Channel, message: PartMessage, now = Date.now()): Promise<void> {
  await db.entities.carriedPart
    .put({ ...channel, sequenceNumber: message.sequenceNumber, part: message.part, message: carriedOf(message), expiresAt: expiresAt(now) })
    .go();
}

/** The parts the channel still owes, earliest first. */
export async function owed(db: Db, channel: Channel): Promise<CarriedPart[]> {
  const { data } = await db.entities.carriedPart.query.byChannel(channel).go({ pages: "all", consistent: true });
  return data.map((row) => row.message as CarriedPart).sort((a, b) => placeInTalk(a) - placeInTalk(b));
}

/** The parts went out with a publish of the channel: they are owed no more. */
export async function carried(db: Db, channel: Channel, parts: readonly CarriedPart[]): Promise<void> {
  await Promise.all(parts.map((part) => db.entities.carriedPart.delete({ ...channel, sequenceNumber: part.sequenceNumber, part: part.part }).go()));
}
