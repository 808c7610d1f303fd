/**
 * Listeners by broadcast: a listener subscribes to its session's language on a message broker (AWS IoT Core over
 * MQTT; locally an embedded MQTT broker), and the consumer publishes each part once per language instead of posting
 * it to every connection.
 *
 * The broker knows connections, not sessions, so a listener joins here first (HTTP) and gets a pass: a short-lived
 * bearer token that the broker's authorizer checks (`authorize`) and that lets it receive only its session's topics.
 * The pass's record is also the listener's presence: the app renews it every `HEARTBEAT_SECONDS`, and a listener not
 * seen for `PRESENCE_MS` no longer counts (no synthesis for a language nobody hears, the speaker's counts). Nobody
 * but the consumer may publish: no pass grants it.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { VisibleError } from "../../error.ts";
import { type Admitted, Admission, type AudienceLimits } from "../admission/index.ts";
import { Connection } from "../connection/index.ts";
import { type Db, expiresAt, isConditionalFailure } from "../db/index.ts";
import { Session } from "../session/index.ts";
import { Secret } from "../secret/index.ts";

export namespace Broadcast {
  /** How often the listener app renews its pass (and so says it is still there). */
  export const HEARTBEAT_SECONDS = 30;
  /** A listener not seen for this long (three heartbeats) no longer counts as present. */
  export const PRESENCE_MS = 3 * HEARTBEAT_SECONDS * 1000;
  /** IoT Core asks the authorizer about a listener's connection again this often (its minimum refresh). */
  export const AUTHORIZATION_REFRESH_SECONDS = 300;
  /** A pass opens a broker connection until this long after its last renewal. */
  export const PASS_TTL_MS = 10 * 60_000;

  /** A broadcast listener as stored; the ElectroDB entity `broadcastListener` is checked against it (`db.test.ts`). */
  export const Info = z.object({
    listenerId: z.string(),
    sessionId: z.string(),
    language: z.string(),
    /** SHA-256 of the pass's secret. */
    tokenHash: z.string(),
    joinedAt: z.number(),
    seenAt: z.number(),
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
   * against the session's cap of listeners with the WebSocket listeners. Its place is released when it leaves or
   * its presence lapses (`present`).
   */
  export async function join(db: Db, request: JoinRequest, limits?: AudienceLimits, now = Date.now()): Promise<Pass> {
    const { sessionId, language } = request;
    await Connection.admitListener(db, request);
    const listenerId = randomBytes(12).toString("base64url");
    const token = `${listenerId}.${randomBytes(24).toString("base64url")}`;
    const info: Info = { listenerId, sessionId, language, tokenHash: Secret.hash(token), joinedAt: now, seenAt: now };
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
   * Renews a pass (the listener is still there), in a new language if it asks for one. An ended session answers 409:
   * a listener that missed `sessionEnded` (it was reconnecting when it went out) learns it here. A listener released
   * since its last renewal (its presence lapsed) is refused like an unknown pass, and joins again.
   */
  export async function renew(db: Db, token: string, language?: string, now = Date.now(), attempt = 1): Promise<Pass> {
    const listener = await authorize(db, token, now);
    if (!listener) throw unknownPass();
    const session = await Session.requireActive(db, listener.sessionId);
    const moved = language !== undefined && language !== listener.language;
    if (moved) Session.requireOffered(session, language);
    const renewed: Info = { ...listener, language: language ?? listener.language, seenAt: now };
    // Released before its record moves, admitted again after, as a WebSocket listener's language change.
    if (moved) await Admission.release(db, admittedOf(listener));
    try {
      // A put, not a patch: the language is part of the by-session index key. Only over the record as read: one
      // released in between (`releaseLapsed`) stays gone.
      await db.entities.broadcastListener
        .put({ ...renewed, expiresAt: expiresAt(now) })
        .where((a, op) => op.eq(a.seenAt, listener.seenAt))
        .go();
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // Released in between (its presence lapsed): the pass is gone, and so is its place.
      const current = await authorize(db, token, now);
      if (!current) throw unknownPass();
      // Renewed at the same moment by another request (a heartbeat beside a language change): its place back as its
      // record says, then asked again over the record as it is now.
      if (moved) await Admission.readmit(db, admittedOf(current));
      if (attempt < 3) return renew(db, token, language, now, attempt + 1);
      throw unknownPass();
    }
    if (moved) {
      await Admission.readmit(db, admittedOf(renewed));
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
   * How long a reading of a session's presence is reused in this process: presence is already up to `PRESENCE_MS`
   * stale, and the consumer asks on most batches, each a query of every listener record of the session.
   */
  export const PRESENCE_READ_REUSE_MS = 2000;
  const presenceReads = new Map<string, { at: number; records: Promise<{ listenerId: string; language: string; seenAt: number }[]> }>();

  /** The session's broadcast listeners seen within `PRESENCE_MS`, by language. */
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
      for (const [id, old] of presenceReads) if (now - old.at >= PRESENCE_MS) presenceReads.delete(id);
    }
    const data = await read.records;
    const byLanguage = new Map<string, string[]>();
    for (const listener of data) {
      if (listener.seenAt + PRESENCE_MS <= now) continue;
      byLanguage.set(listener.language, [...(byLanguage.get(listener.language) ?? []), listener.listenerId]);
    }
    return byLanguage;
  }

  /** Releases the session's listeners whose presence lapsed; how many were released. */
  export async function releaseLapsed(db: Db, sessionId: string, now = Date.now()): Promise<number> {
    const { data } = await db.entities.broadcastListener.query.bySession({ sessionId }).go({ pages: "all" });
    return releaseAll(db, data, now);
  }

  /**
   * Each lapsed listener's record is deleted only as it was read (a renewal in between keeps it), then its place is
   * released: released exactly when its record goes, so no renewal can hold a pass whose place is gone.
   */
  async function releaseAll(db: Db, records: readonly Omit<Info, "tokenHash">[], now: number): Promise<number> {
    const lapsed = records.filter((listener) => listener.seenAt + PRESENCE_MS <= now);
    const released = await Promise.all(
      lapsed.map(async (listener) => {
        try {
          await db.entities.broadcastListener
            .delete({ listenerId: listener.listenerId })
            .where((a, op) => op.eq(a.seenAt, listener.seenAt))
            .go();
        } catch (error) {
          if (isConditionalFailure(error)) return false;
          throw error;
        }
        await Admission.release(db, admittedOf(listener));
        return true;
      }),
    );
    return released.filter(Boolean).length;
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
