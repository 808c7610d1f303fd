/** Joining and leaving a session over the WebSocket: who may connect, as what, in which language. */
import {
  addConnection,
  type ConnectionRecord,
  getConnection,
  removeConnection,
  setListenerLanguage,
} from "../connection/index.ts";
import type { Db } from "../db/index.ts";
import { VisibleError } from "../../error.ts";
import type { ConnectQuery } from "../../browser/protocol/index.ts";
import { isSpeakerToken, requireActiveSession } from "../session/index.ts";

export async function joinSession(db: Db, connectionId: string, query: ConnectQuery): Promise<ConnectionRecord> {
  const session = await requireActiveSession(db, query.sessionId);
  if (query.role === "speaker") {
    if (!isSpeakerToken(session, query.token)) {
      throw new VisibleError("unauthorized", "the speaker token does not match this session", 403);
    }
  } else if (!session.targetLanguages.includes(query.language)) {
    throw new VisibleError(
      "unsupported_language",
      `language "${query.language}" is not offered in this session; choose one of ${session.targetLanguages.join(", ")}`,
    );
  }
  const connection = {
    connectionId,
    sessionId: session.sessionId,
    role: query.role,
    language: query.role === "speaker" ? session.sourceLanguage : query.language,
  };
  await addConnection(db, connection);
  return { ...connection, connectedAt: Date.now() };
}

export async function leaveSession(db: Db, connectionId: string): Promise<void> {
  await removeConnection(db, connectionId);
}

/** The connection behind a message, or a visible error when it is not (or no longer) registered. */
export async function requireConnection(db: Db, connectionId: string): Promise<ConnectionRecord> {
  const connection = await getConnection(db, connectionId);
  if (!connection) {
    throw new VisibleError("not_found", "this connection is not registered with a session; reconnect", 404);
  }
  return connection;
}

export async function changeLanguage(db: Db, connection: ConnectionRecord, language: string): Promise<void> {
  if (connection.role !== "listener") {
    throw new VisibleError("bad_request", "only a listener can change language");
  }
  const session = await requireActiveSession(db, connection.sessionId);
  if (!session.targetLanguages.includes(language)) {
    throw new VisibleError(
      "unsupported_language",
      `language "${language}" is not offered in this session; choose one of ${session.targetLanguages.join(", ")}`,
    );
  }
  await setListenerLanguage(db, connection, language);
}
