/**
 * Listeners' reports of how their translated clips arrived: anonymous, so taken only about a session a listener
 * could join (going on; a private one with its key), in a language it offers; a report about any other is refused,
 * not measured, with the answer a listener's connection gets, so reports tell nothing of which codes are in use.
 */
import type { Measurements } from "../../ports/index.ts";
import type { ListenerReport } from "../../protocol/index.ts";
import type { Db } from "../db/index.ts";
import { Session } from "../session/index.ts";

export namespace ListenerReports {
  export async function accept(db: Db, measurements: Pick<Measurements, "audioDownloads" | "flush">, report: ListenerReport): Promise<void> {
    const { key, ...measured } = report;
    Session.requireOffered(await Session.requireListenable(db, report.sessionId, key), report.language);
    measurements.audioDownloads(measured);
    measurements.flush();
  }
}
