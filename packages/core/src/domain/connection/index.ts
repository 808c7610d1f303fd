/** WebSocket connections of a session: its speaker(s) and its listeners, each listener with one language. */
import type { Db } from "../db/index.ts";
import { expiresAt } from "../db/index.ts";
import type { ListenerCounts } from "../../browser/protocol/index.ts";

export type Role = "speaker" | "listener";

export interface ConnectionRecord {
  connectionId: string;
  sessionId: string;
  role: Role;
  /** The listener's language; the source language for a speaker. */
  language: string;
  connectedAt: number;
}

export async function addConnection(db: Db, connection: Omit<ConnectionRecord, "connectedAt">): Promise<void> {
  const connectedAt = Date.now();
  await db.entities.connection.put({ ...connection, connectedAt, expiresAt: expiresAt(connectedAt) }).go();
}

export async function getConnection(db: Db, connectionId: string): Promise<ConnectionRecord | undefined> {
  const { data } = await db.entities.connection.get({ connectionId }).go();
  return data ?? undefined;
}

export async function removeConnection(db: Db, connectionId: string): Promise<ConnectionRecord | undefined> {
  const { data } = await db.entities.connection.delete({ connectionId }).go({ response: "all_old" });
  return (data as ConnectionRecord | null) ?? undefined;
}

/** Rewrites the whole record: the language is part of the by-session index key. */
export async function setListenerLanguage(db: Db, connection: ConnectionRecord, language: string): Promise<void> {
  await db.entities.connection
    .put({ ...connection, language, expiresAt: expiresAt(connection.connectedAt) })
    .go();
}

export async function listSessionConnections(db: Db, sessionId: string): Promise<ConnectionRecord[]> {
  const { data } = await db.entities.connection.query.bySession({ sessionId }).go({ pages: "all" });
  return data;
}

/** Who is connected to a session, as the pipeline and notifications need it. */
export interface Audience {
  speakers: string[];
  listenersByLanguage: Map<string, string[]>;
}

export function audienceOf(connections: readonly ConnectionRecord[]): Audience {
  const speakers: string[] = [];
  const listenersByLanguage = new Map<string, string[]>();
  for (const c of connections) {
    if (c.role === "speaker") {
      speakers.push(c.connectionId);
    } else {
      const ids = listenersByLanguage.get(c.language) ?? [];
      ids.push(c.connectionId);
      listenersByLanguage.set(c.language, ids);
    }
  }
  return { speakers, listenersByLanguage };
}

export function listenerCounts(audience: Audience): ListenerCounts {
  const counts: ListenerCounts = {};
  for (const [language, ids] of audience.listenersByLanguage) counts[language] = ids.length;
  return counts;
}
