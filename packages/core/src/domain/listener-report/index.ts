/**
 * Listeners' reports of how their translated clips arrived: anonymous, so taken only about a session that is going
 * on, in a language it offers; a report about any other is refused, not measured.
 */
import type { Measurements } from "../../ports/index.ts";
import type { ListenerReport } from "../../protocol/index.ts";
import type { Db } from "../db/index.ts";
import { Session } from "../session/index.ts";

export namespace ListenerReports {
  export async function accept(db: Db, measurements: Pick<Measurements, "audioDownloads" | "flush">, report: ListenerReport): Promise<void> {
    Session.requireOffered(await Session.requireActive(db, report.sessionId), report.language);
    measurements.audioDownloads(report);
    measurements.flush();
  }
}
