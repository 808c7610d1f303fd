/**
 * A restart of local mode closes every WebSocket, but `$disconnect` never ran for them: their records would
 * still count as listeners. No connection outlives the process, so at start every connection record and every
 * admitted listener is stale.
 */
import type { Db } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";

export async function forgetStaleConnections(db: Db, log: Log): Promise<number> {
  const { data } = await db.entities.connection.scan.go({ pages: "all" });
  for (const { connectionId } of data) await db.entities.connection.delete({ connectionId }).go();
  // Nor is any listener admitted: every session's roll starts empty.
  const { data: admissions } = await db.entities.admission.scan.go({ pages: "all" });
  for (const { sessionId } of admissions) await db.entities.admission.delete({ sessionId }).go();
  if (data.length > 0) log({ level: "info", event: "local.stale_connections_forgotten", connections: data.length });
  return data.length;
}
