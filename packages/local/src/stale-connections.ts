/**
 * A restart of local mode closes every WebSocket, but `$disconnect` never ran for them: their records would
 * still count as listeners. No connection outlives the process, so at start every connection record and every
 * admitted listener is stale. Listeners by broadcast keep their passes, but their broker connections went with the
 * process, unseen: each is disconnected as of now, and connecting again to the new broker admits it again.
 */
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import type { Db } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";

export async function forgetStaleConnections(db: Db, log: Log, now = Date.now()): Promise<number> {
  const { data: passes } = await db.entities.broadcastListener.scan.go({ pages: "all" });
  for (const { listenerId } of passes) await Broadcast.observe(db, { listenerId, connected: false, at: now });
  const { data } = await db.entities.connection.scan.go({ pages: "all" });
  for (const { connectionId } of data) await db.entities.connection.delete({ connectionId }).go();
  // Nor is any listener admitted: every session's places go, and its counter starts again at none.
  const { data: places } = await db.entities.admissionPlace.scan.go({ pages: "all" });
  for (const place of places) await db.entities.admissionPlace.delete(place).go();
  const { data: counters } = await db.entities.admission.scan.go({ pages: "all" });
  for (const { sessionId } of counters) await db.entities.admission.delete({ sessionId }).go();
  if (data.length > 0) log({ level: "info", event: "local.stale_connections_forgotten", connections: data.length });
  return data.length;
}
