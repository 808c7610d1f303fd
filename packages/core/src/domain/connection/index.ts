/** WebSocket connections of a session: its speaker(s) and its listeners, each listener with one language. */
import { z } from "zod";
import type { ConnectQuery } from "../../protocol/index.ts";
import { VisibleError } from "../../error.ts";
import { type Db, expiresAt } from "../db/index.ts";
import { Session } from "../session/index.ts";

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
    connectedAt: z.number(),
  });
  export type Info = z.infer<typeof Info>;

  /**
   * Registers a connection: a speaker with the session's token, or a listener in one of its languages (with the
   * join key of a private session). Who holds neither learns nothing of the session, not even that it exists.
   */
  export async function join(db: Db, connectionId: string, query: ConnectQuery): Promise<Info> {
    let session: Session.Info;
    if (query.role === "speaker") {
      session = Session.requireNotEnded(await Session.requireSpeaker(db, query.sessionId, query.token));
    } else {
      session = await Session.requireListenable(db, query.sessionId, query.key);
      requireOffered(session, query.language);
    }
    const connection: Info = {
      connectionId,
      sessionId: session.sessionId,
      role: query.role,
      language: query.role === "speaker" ? session.sourceLanguage : query.language,
      ...(query.role === "listener" && query.parts === "1" ? { parts: true } : {}),
      connectedAt: Date.now(),
    };
    await db.entities.connection.put({ ...connection, expiresAt: expiresAt(connection.connectedAt) }).go();
    return connection;
  }

  /** Forgets a connection (it closed, or API Gateway answered 410 Gone); what it was, when it existed. */
  export async function leave(db: Db, connectionId: string): Promise<Info | undefined> {
    const { data } = await db.entities.connection.delete({ connectionId }).go({ response: "all_old" });
    return data ? Info.parse(data) : undefined;
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
    requireOffered(await Session.requireActive(db, connection.sessionId), language);
    await db.entities.connection.put({ ...connection, language, expiresAt: expiresAt(connection.connectedAt) }).go();
  }

  function requireOffered(session: Session.Info, language: string): void {
    if (!session.targetLanguages.includes(language)) {
      throw new VisibleError(
        "unsupported_language",
        `language "${language}" is not offered in this session; choose one of ${session.targetLanguages.join(", ")}`,
      );
    }
  }
}
