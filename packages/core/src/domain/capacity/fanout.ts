/** How many publishes and deliveries a part makes, and a part message's size: from the run itself, or a fan-out run. */
import { ASSUMPTIONS } from "./assumptions.ts";
import type { BroadcastRun, MeteredRun } from "./metered-run.ts";

/** The fan-out's counts per part: the metered run's own where its listeners listened by broadcast. */
export interface FanoutCounts {
  from: "metered run" | "fan-out by broadcast";
  publishesPerPartLanguage: number;
  deliveriesPerPartListener: number;
  /** A part message's payload, in bytes (the mean of those published, or derived). */
  partMessageBytes: number;
}

export function fanoutCounts(run: MeteredRun, broadcastRuns: readonly BroadcastRun[]): FanoutCounts {
  const parts = run.broadcast?.publishes.part;
  if (run.broadcast && parts?.count) {
    return {
      from: "metered run",
      publishesPerPartLanguage: parts.count / Math.max(1, run.parts * run.languages),
      deliveriesPerPartListener: run.broadcast.partsReceived / Math.max(1, run.parts * run.listeners),
      partMessageBytes: parts.bytes / parts.count,
    };
  }
  const broadcast = [...broadcastRuns].sort((a, b) => b.listeners - a.listeners)[0];
  if (!broadcast) throw new Error("the metered runs have no listeners by broadcast: the capacity plan needs a run of the fan-out by broadcast");
  const charsPerPart = run.requests.syntheses ? run.requests.synthesizedChars / run.requests.syntheses : 0;
  return {
    from: "fan-out by broadcast",
    publishesPerPartLanguage: broadcast.publishesPerPart / broadcast.languages,
    deliveriesPerPartListener: broadcast.listenersReachedPerPartAndLanguage / broadcast.listenersPerLanguage,
    // A part message carries the part's text and its translation (each about a part's characters) and the audio URL.
    partMessageBytes: ASSUMPTIONS.partMessageFixedBytes + 2 * charsPerPart * ASSUMPTIONS.bytesPerChar,
  };
}
