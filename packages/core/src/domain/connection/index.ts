/** WebSocket connections of a session: its speaker(s) and its listeners, each listener with one language. */
import { z } from "zod";
import type { ConnectQuery } from "../../protocol/index.ts";
import { VisibleError } from "../../error.ts";
import type { SpeakerAccounts } from "../../ports/index.ts";
import { type Admitted, Admission, type AudienceLimits } from "../admission/index.ts";
import { type Db, expiresAt } from "../db/index.ts";
import { Session } from "../session/index.ts";

/** What a deployment checks of a connection beyond the session's own rules. */
export interface JoinChecks {
  limits?: AudienceLimits;
  speakerAccounts?: SpeakerAccounts;
}

export namespace Connection {
  export const Role = z.enum(["speaker", "listener"]);
  export type Role = z.infer<typeof Role>;

  /** A connection as stored; the ElectroDB entity `connection` is checked against it (`db.test.ts`). */
  export const Info = z.object({
    connectionId: z.string(),
    sessionId: z.string(),
    role: Role,
    /** The listener's language; the source language for a speaker. */
    language: z.string(),
    /** A listener that takes segments in parts (protocol extension `parts=1`). */
    parts: z.boolean().optional(),
    /** A listener that takes each part as one message (protocol extension `bundled=1`; implies `parts`). */
    bundled: z.boolean().optional(),
    connectedAt: z.number(),
  });
  export type Info = z.infer<typeof Info>;

  /**
   * Registers a connection: a speaker with the session's token (and its account still enabled, where speakers sign
   * in), or a listener in one of its languages (with the join key of a private session) while the session holds
   * fewer than its cap of listeners (every deployment gives one; without, tests admit any number). Who holds
   * neither token nor key learns nothing of the session, not even that it exists.
   */
  export async function join(db: Db, connectionId: string, query: ConnectQuery, checks: JoinChecks = {}): Promise<Info> {
    const { limits, speakerAccounts } = checks;
    let session: Session.Info;
    if (query.role === "speaker") {
      session = Session.requireNotEnded(await Session.requireSpeaker(db, query.sessionId, query.token));
      await Session.requireSpeakerAccount(session, speakerAccounts);
    } else {
      session = await admitListener(db, { sessionId: query.sessionId, language: query.language, key: query.key });
    }
    const connection: Info = {
      connectionId,
      sessionId: session.sessionId,
      role: query.role,
      language: query.role === "speaker" ? session.sourceLanguage : query.language,
      ...(query.role === "listener" && (query.parts === "1" || query.bundled === "1") ? { parts: true } : {}),
      ...(query.role === "listener" && query.bundled === "1" ? { bundled: true } : {}),
      connectedAt: Date.now(),
    };
    await db.entities.connection.put({ ...connection, expiresAt: expiresAt(connection.connectedAt) }).go();
    // Admitted after the record is written: a refused listener's record goes again, and one whose $connect failed
    // after its admission is released at the first post to it (410 Gone finds the record).
    if (connection.role === "listener") await admitCounted(db, connection, limits, () => db.entities.connection.delete({ connectionId }).go());
    return connection;
  }

  /**
   * Forgets a connection (it closed, or API Gateway answered 410 Gone); what it was, when it existed. The listener
   * is released before its record goes: a failure in between leaves the record, whose next 410 releases it again.
   */
  export async function leave(db: Db, connectionId: string): Promise<Info | undefined> {
    const before = await get(db, connectionId, { consistent: true });
    if (before?.role === "listener") await Admission.release(db, before);
    const { data } = await db.entities.connection.delete({ connectionId }).go({ response: "all_old" });
    const left = data ? Info.parse(data) : undefined;
    // Its language changed between the read and the delete.
    if (left?.role === "listener" && left.language !== before?.language) await Admission.release(db, left);
    return left;
  }

  export async function get(db: Db, connectionId: string, options: { consistent?: boolean } = {}): Promise<Info | undefined> {
    const { data } = await db.entities.connection.get({ connectionId }).go({ consistent: options.consistent });
    return data ? Info.parse(data) : undefined;
  }

  /** The connection behind a message, or a visible error when it is not (or no longer) registered. */
  export async function requireRegistered(db: Db, connectionId: string): Promise<Info> {
    // A message sent right after $connect may find a replica that has not seen the record yet: a miss is asked
    // again strongly consistent before the chunk is refused (a refused chunk is never resent).
    const connection = (await get(db, connectionId)) ?? (await get(db, connectionId, { consistent: true }));
    if (!connection) {
      throw new VisibleError("not_found", "this connection is not registered with a session; reconnect", 404);
    }
    return connection;
  }

  /** A listener switches language. Rewrites the whole record: the language is part of the by-session index key. */
  export async function setLanguage(db: Db, connection: Info, language: string): Promise<void> {
    if (connection.role !== "listener") {
      throw new VisibleError("bad_request", "only a listener can change language");
    }
    Session.requireOffered(await Session.requireActive(db, connection.sessionId), language);
    // Released, rewritten, admitted again, in this order: a failure between steps may leave the listener uncounted
    // for a while, never counted in a language its record does not say (which no disconnect would release).
    await Admission.release(db, connection);
    const { data } = await db.entities.connection.put({ ...connection, language, expiresAt: expiresAt(connection.connectedAt) }).go({ response: "all_old" });
    // The record read before may be a moment old (a change just before this one).
    if (data && data.language !== connection.language) await Admission.release(db, { ...connection, language: data.language });
    await Admission.readmit(db, { ...connection, language });
  }

  /**
   * Whether a listener may join a session now, by WebSocket (`$connect`) or by broadcast (its pass,
   * `Broadcast.join`): every check on who may listen belongs here or in `admitCounted`, so both ways of listening keep
   * them. Missing, ended and keyless answers are one (`Session.requireListenable`).
   */
  export async function admitListener(db: Db, request: { sessionId: string; language: string; key?: string }): Promise<Session.Info> {
    const session = await Session.requireListenable(db, request.sessionId, request.key);
    Session.requireOffered(session, request.language);
    return session;
  }

  /**
   * Counts an admitted listener against its session's cap, after its record is written: a refused listener's record
   * goes again (`forget`), and one admitted whose record then failed is released when its record is found gone.
   */
  export async function admitCounted(db: Db, listener: Admitted, limits: AudienceLimits | undefined, forget: () => Promise<unknown>): Promise<void> {
    try {
      await Admission.admit(db, listener, limits?.maxListenersPerSession ?? Number.MAX_SAFE_INTEGER);
    } catch (error) {
      await forget();
      throw error;
    }
  }
}
