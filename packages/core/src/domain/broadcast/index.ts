/**
 * Listeners by broadcast: a listener subscribes to its session's language on a message broker (AWS IoT Core over
 * MQTT; locally an embedded MQTT broker), and the consumer publishes each part once per language instead of posting
 * it to every connection.
 *
 * The broker knows connections, not sessions, so a listener joins here first (HTTP) and gets a pass: a short-lived
 * bearer token that the broker's authorizer checks (`authorize`) and that lets it receive only its session's topics.
 * The listener's presence is its broker connection, as the broker's connect and disconnect events tell it
 * (`observe`): it counts (synthesis for its language, the speaker's counts) from its join, for
 * `CONNECT_GRACE_MS` until it connects, then while connected; a disconnect ends it at once and releases its place.
 * The app renews the pass every `HEARTBEAT_SECONDS` only to keep its token alive (or to change language). Nobody but
 * the consumer may publish: no pass grants it.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { VisibleError } from "../../error.ts";
import { type Admitted, Admission, type AudienceLimits } from "../admission/index.ts";
import { Connection } from "../connection/index.ts";
import { type Db, expiresAt, isConditionalFailure } from "../db/index.ts";
import { Session } from "../session/index.ts";
import { Secret } from "../secret/index.ts";
import { ListenerPresence } from "./presence.ts";

export namespace Broadcast {
  /** How often the listener app renews its pass: only its token needs it, presence comes from the broker. */
  export const HEARTBEAT_SECONDS = 300;
  /** A pass opens a broker connection until this long after its last renewal (three renewals). */
  export const PASS_TTL_MS = 3 * HEARTBEAT_SECONDS * 1000;
  /** A listener that joined counts this long before its broker connection is seen. */
  export const CONNECT_GRACE_MS = ListenerPresence.CONNECT_GRACE_MS;
  /** IoT Core asks the authorizer about a listener's connection again this often (its minimum refresh). */
  export const AUTHORIZATION_REFRESH_SECONDS = 300;

  /** A broadcast listener as stored; the ElectroDB entity `broadcastListener` is checked against it (`db.test.ts`). */
  export const Info = z.object({
    listenerId: z.string(),
    sessionId: z.string(),
    language: z.string(),
    /** SHA-256 of the pass's secret. */
    tokenHash: z.string(),
    joinedAt: z.number(),
    seenAt: z.number(),
    /** Joined (not yet seen on the broker), connected or disconnected; absent: joined. */
    presence: z.enum(ListenerPresence.STATES).optional(),
    /** The broker event in effect: its timestamp (epoch ms, the broker's clock) and version. */
    presenceAt: z.number().optional(),
    presenceVersion: z.number().optional(),
  });
  export type Info = z.infer<typeof Info>;

  /** What a listener asks to join with: a private session's join key besides its language. */
  export interface JoinRequest {
    sessionId: string;
    language: string;
    key?: string;
  }

  /** What a listener gets at join and at each renewal. */
  export interface Pass {
    listenerId: string;
    sessionId: string;
    language: string;
    /** `<listenerId>.<secret>`: the broker connection's password. */
    token: string;
    /** Epoch ms after which the token opens no new connection unless renewed. */
    expiresAt: number;
    heartbeatSeconds: number;
  }

  /** The topics of a deployment (`livetranslate/<stage>`): one broker endpoint serves every app and stage of an account. */
  export function topicPrefix(stage: string): string {
    return `livetranslate/${stage}`;
  }

  export function topic(prefix: string, sessionId: string, language: string): string {
    return `${prefix}/session/${sessionId}/${language}`;
  }

  /**
   * Whether a listener of `sessionId` may subscribe to (and receive from) `topicOrFilter`: one of its session's
   * language topics, or all of them (`+`). Anything else (another session, `#`, a deeper level) is refused.
   */
  export function mayReceive(prefix: string, sessionId: string, topicOrFilter: string): boolean {
    const base = `${prefix}/session/${sessionId}/`;
    if (!topicOrFilter.startsWith(base)) return false;
    const rest = topicOrFilter.slice(base.length);
    return rest === "+" || /^[a-z]{2}$/.test(rest);
  }

  /**
   * A listener joins an active session in a language it offers and gets its pass: admitted as a `$connect` would be
   * (`Connection.admitListener`: a private session's key, one answer for missing, ended or keyless), and counted
   * against the session's cap of listeners with the WebSocket listeners. Its place is released when it leaves,
   * disconnects, never connects within `CONNECT_GRACE_MS`, or its pass lapses (`releaseLapsed`).
   */
  export async function join(db: Db, request: JoinRequest, limits?: AudienceLimits, now = Date.now()): Promise<Pass> {
    const { sessionId, language } = request;
    await Connection.admitListener(db, request);
    const listenerId = randomBytes(12).toString("base64url");
    const token = `${listenerId}.${randomBytes(24).toString("base64url")}`;
    const info: Info = { listenerId, sessionId, language, tokenHash: Secret.hash(token), joinedAt: now, seenAt: now, presence: "joined" };
    await db.entities.broadcastListener.create({ ...info, expiresAt: expiresAt(now) }).go();
    const forget = () => db.entities.broadcastListener.delete({ listenerId }).go();
    try {
      await Connection.admitCounted(db, admittedOf(info), limits, forget);
    } catch (error) {
      // A full session may hold listeners whose presence lapsed with nobody reading it since: released, one more try.
      if (!(error instanceof VisibleError && error.code === "session_full") || (await releaseLapsed(db, sessionId, now)) === 0) throw error;
      await db.entities.broadcastListener.create({ ...info, expiresAt: expiresAt(now) }).go();
      await Connection.admitCounted(db, admittedOf(info), limits, forget);
    }
    presenceReads.delete(sessionId);
    return passOf(info, token);
  }

  /**
   * Renews a pass (its token stays valid), in a new language if it asks for one. An ended session answers 409: a
   * listener that missed `sessionEnded` (it was reconnecting when it went out) learns it here. A pass that lapsed
   * is refused like an unknown one, and the app joins again. Presence is the broker's to say: a renewal keeps it.
   */
  export async function renew(db: Db, token: string, language?: string, now = Date.now(), attempt = 1): Promise<Pass> {
    const listener = await authorize(db, token, now);
    if (!listener) throw unknownPass();
    const session = await Session.requireActive(db, listener.sessionId);
    const moved = language !== undefined && language !== listener.language;
    if (moved) Session.requireOffered(session, language);
    const renewed: Info = { ...listener, language: language ?? listener.language, seenAt: now };
    // A listener holding a place is released before its record moves, admitted again after, as a WebSocket
    // listener's language change; a disconnected one holds none until it connects again.
    const movesPlace = moved && ListenerPresence.holdsPlace(listener);
    if (movesPlace) await Admission.release(db, admittedOf(listener));
    try {
      // A put, not a patch: the language is part of the by-session index key. Only over the record as read: one
      // released in between (`releaseLapsed`) stays gone, and a broker event in between is asked again.
      await db.entities.broadcastListener
        .put({ ...renewed, expiresAt: expiresAt(now) })
        .where((a, op) => asRead(a, op, listener))
        .go();
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // Released in between (its presence lapsed): the pass is gone, and so is its place.
      const current = await authorize(db, token, now);
      if (!current) throw unknownPass();
      // Renewed at the same moment by another request (a heartbeat beside a language change), or a broker event
      // came: its place back as its record says, then asked again over the record as it is now.
      if (movesPlace && ListenerPresence.holdsPlace(current)) await Admission.readmit(db, admittedOf(current));
      if (attempt < 3) return renew(db, token, language, now, attempt + 1);
      throw unknownPass();
    }
    if (movesPlace) await Admission.readmit(db, admittedOf(renewed));
    if (moved) {
      presenceReads.delete(listener.sessionId);
    }
    return passOf(renewed, token);
  }

  /** The listener (`pass`, as the request names it) leaves: its place in the session is released and its pass opens nothing more. */
  export async function leave(db: Db, token: string, pass?: { sessionId: string; listenerId: string }, now = Date.now()): Promise<Info> {
    const listener = await authorize(db, token, now);
    if (!listener) throw unknownPass();
    if (pass && (pass.sessionId !== listener.sessionId || pass.listenerId !== listener.listenerId)) {
      throw new VisibleError("unauthorized", "this pass belongs to another listener or session", 403);
    }
    await Admission.release(db, admittedOf(listener));
    await db.entities.broadcastListener.delete({ listenerId: listener.listenerId }).go();
    presenceReads.delete(listener.sessionId);
    return listener;
  }

  /** The listener behind a token, while its pass is valid; undefined for anything else (no reason is given out). */
  export async function authorize(db: Db, token: string, now = Date.now()): Promise<Info | undefined> {
    const listenerId = token.split(".")[0];
    if (!listenerId || !/^[\w-]+\.[\w-]+$/.test(token)) return undefined;
    const { data } = await db.entities.broadcastListener.get({ listenerId }).go();
    if (!data || !Secret.matchesHash(data.tokenHash, token) || data.seenAt + PASS_TTL_MS <= now) return undefined;
    return Info.parse(data);
  }

  /**
   * How long a reading of a session's presence is reused in this process: the consumer asks on most batches, each a
   * query of every listener record of the session. A join, language change, leave or broker event in this process
   * is seen at once; one in another process (another function in AWS) within this long.
   */
  export const PRESENCE_READ_REUSE_MS = 2000;
  type PresenceRecord = Omit<Info, "tokenHash">;
  const presenceReads = new Map<string, { at: number; records: Promise<PresenceRecord[]> }>();

  /** The session's broadcast listeners present now (`ListenerPresence.counts`, with a valid pass), by language. */
  export async function present(db: Db, sessionId: string, now = Date.now()): Promise<Map<string, string[]>> {
    let read = presenceReads.get(sessionId);
    if (!read || Math.abs(now - read.at) >= PRESENCE_READ_REUSE_MS) {
      const records = db.entities.broadcastListener.query
        .bySession({ sessionId })
        .go({ pages: "all" })
        .then(({ data }) => data);
      read = { at: now, records };
      presenceReads.set(sessionId, read);
      void records.then((data) => releaseAll(db, data, now)).catch(() => undefined);
      // A failed read is not reused.
      records.catch(() => presenceReads.delete(sessionId));
      for (const [id, old] of presenceReads) if (now - old.at >= PASS_TTL_MS) presenceReads.delete(id);
    }
    const data = await read.records;
    const byLanguage = new Map<string, string[]>();
    for (const listener of data) {
      if (lapsed(listener, now) || !ListenerPresence.counts(listener, now)) continue;
      byLanguage.set(listener.language, [...(byLanguage.get(listener.language) ?? []), listener.listenerId]);
    }
    return byLanguage;
  }

  /** What `observe` did with a broker event. */
  export type Observed = "connected" | "disconnected" | "stale" | "replaced" | "unknown" | "refused";

  /**
   * The broker saw a listener connect or disconnect: its presence follows, unless a newer event is in effect. A
   * disconnect releases its place in the session at once (the speaker's counts drop, its language may go unvoiced);
   * a connect after one admits it again under the session's cap. Found full, its pass is revoked (`refused`): it
   * does not count, its next renewal is refused and the app joins again. Each change is made only over the record
   * as read, so concurrent events and renewals settle in the events' order; asked again on a clash.
   */
  export async function observe(db: Db, event: ListenerPresence.Event, limits?: AudienceLimits, attempt = 1): Promise<Observed> {
    const { data } = await db.entities.broadcastListener.get({ listenerId: event.listenerId }).go();
    if (!data) return "unknown";
    const listener = Info.parse(data);
    const outcome = ListenerPresence.outcome(listener, event);
    if (!outcome.apply) return outcome.why;
    try {
      await db.entities.broadcastListener
        .patch({ listenerId: listener.listenerId })
        .set({ presence: outcome.state, presenceAt: event.at, presenceVersion: event.version ?? 0 })
        .where((a, op) => asRead(a, op, listener))
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // Each clash is another event or renewal written first; asked again, this one is soon stale or in effect.
      if (attempt < 20) return observe(db, event, limits, attempt + 1);
      throw error;
    }
    presenceReads.delete(listener.sessionId);
    if (outcome.place === "release") await settlePlace(db, listener, false);
    if (outcome.place === "admit") {
      try {
        await Admission.admit(db, admittedOf(listener), limits?.maxListenersPerSession ?? Number.MAX_SAFE_INTEGER);
      } catch (error) {
        if (!(error instanceof VisibleError && error.code === "session_full")) throw error;
        await db.entities.broadcastListener.delete({ listenerId: listener.listenerId }).go();
        return "refused";
      }
      await settlePlace(db, listener, true);
    }
    return outcome.state;
  }

  /**
   * After an event took or released a listener's place (`held`): the record read again says whether it should hold
   * one, since a later event, a leave or a renewal may have come between the record's change and the place's. The
   * last to change the place sees the record as all left it.
   */
  async function settlePlace(db: Db, listener: Info, held: boolean): Promise<void> {
    if (!held) await Admission.release(db, admittedOf(listener));
    const { data } = await db.entities.broadcastListener.get({ listenerId: listener.listenerId }).go();
    const current = data ? Info.parse(data) : undefined;
    const holds = current !== undefined && ListenerPresence.holdsPlace(current);
    // Its place back, as the record (a later connect) says: released a moment ago, so the cap still holds it.
    if (holds && !held) await Admission.readmit(db, admittedOf(current));
    if (held && (!holds || current.language !== listener.language)) await Admission.release(db, admittedOf(listener));
  }

  /**
   * Releases the session's listeners whose pass lapsed (their record goes) or who never connected within
   * `CONNECT_GRACE_MS` (their record stays, disconnected, so a late connect admits them again); how many were released.
   */
  export async function releaseLapsed(db: Db, sessionId: string, now = Date.now()): Promise<number> {
    const { data } = await db.entities.broadcastListener.query.bySession({ sessionId }).go({ pages: "all" });
    return releaseAll(db, data, now);
  }

  function lapsed(listener: Pick<Info, "seenAt">, now: number): boolean {
    return listener.seenAt + PASS_TTL_MS <= now;
  }

  /**
   * Each change is made only over the record as read (a renewal or a broker event in between keeps it), then the
   * place is released: released exactly when its record says so, so no renewal can hold a pass whose place is gone.
   */
  async function releaseAll(db: Db, records: readonly PresenceRecord[], now: number): Promise<number> {
    const released = await Promise.all(
      records.map(async (listener) => {
        const gone = lapsed(listener, now);
        if (!gone && !ListenerPresence.neverConnected(listener, now)) return false;
        try {
          if (gone) {
            await db.entities.broadcastListener
              .delete({ listenerId: listener.listenerId })
              .where((a, op) => asRead(a, op, listener))
              .go();
          } else {
            await db.entities.broadcastListener
              .patch({ listenerId: listener.listenerId })
              .set({ presence: "disconnected" })
              .where((a, op) => asRead(a, op, listener))
              .go({ response: "none" });
          }
        } catch (error) {
          if (isConditionalFailure(error)) return false;
          throw error;
        }
        if (!ListenerPresence.holdsPlace(listener)) return false;
        await Admission.release(db, admittedOf(listener));
        return true;
      }),
    );
    return released.filter(Boolean).length;
  }

  type Condition = Parameters<ReturnType<ReturnType<Db["entities"]["broadcastListener"]["patch"]>["set"]>["where"]>[0];
  type Attributes = Parameters<Condition>[0];
  type Operations = Parameters<Condition>[1];

  /** The condition that a listener's record is still as read: renewal, presence and the event in effect. */
  function asRead(a: Attributes, op: Operations, listener: PresenceRecord): string {
    const { presence, presenceAt, presenceVersion } = listener;
    return [
      op.eq(a.seenAt, listener.seenAt),
      presence === undefined ? op.notExists(a.presence) : op.eq(a.presence, presence),
      presenceAt === undefined ? op.notExists(a.presenceAt) : op.eq(a.presenceAt, presenceAt),
      presenceVersion === undefined ? op.notExists(a.presenceVersion) : op.eq(a.presenceVersion, presenceVersion),
    ].join(" AND ");
  }

  function admittedOf(listener: Pick<Info, "listenerId" | "sessionId" | "language">): Admitted {
    return { sessionId: listener.sessionId, connectionId: listener.listenerId, language: listener.language };
  }

  function unknownPass(): VisibleError {
    return new VisibleError("unauthorized", "this listener pass is unknown or has expired; join the session again", 403);
  }

  function passOf(info: Info, token: string): Pass {
    return {
      listenerId: info.listenerId,
      sessionId: info.sessionId,
      language: info.language,
      token,
      expiresAt: info.seenAt + PASS_TTL_MS,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    };
  }
}
