/**
 * How far behind real time the consumer runs for one session, and what it sheds to catch up: interims first, then
 * translated speech, never captions. A level is left at half the lag that entered it, so a session near a threshold
 * does not flap (docs/design/overload.md).
 */
import type { Log } from "../../log.ts";
import type { Measurements, PositionedRecord } from "../../ports/index.ts";

export type Shed = "interim" | "audio";

export interface OverloadLevel {
  /** 0: nothing shed; 1: interims; 2: interims and translated speech. */
  level: 0 | 1 | 2;
  lagMs: number;
}

export const SHED_INTERIMS_AT_MS = 3000;
export const SHED_AUDIO_AT_MS = 8000;

export function nextOverloadLevel(current: OverloadLevel["level"], lagMs: number): OverloadLevel["level"] {
  if (lagMs >= SHED_AUDIO_AT_MS) return 2;
  if (current === 2 && lagMs >= SHED_AUDIO_AT_MS / 2) return 2;
  if (lagMs >= SHED_INTERIMS_AT_MS) return 1;
  if (current >= 1 && lagMs >= SHED_INTERIMS_AT_MS / 2) return 1;
  return 0;
}

export function shedAt(level: OverloadLevel["level"]): Shed[] {
  return (["interim", "audio"] as const).slice(0, level);
}

/**
 * Measures how far behind a batch starts (its newest chunk's ingest to `now`) and moves the session's level; logs,
 * counts and returns whether it changed.
 */
export function measureOverload(
  deps: { log: Log; measurements?: Pick<Measurements, "count"> },
  sessionId: string,
  session: { overload: OverloadLevel["level"]; lagMs?: number },
  records: readonly PositionedRecord[],
  now: number,
): boolean {
  const newest = records.reduce((t, r) => (r.kind === "chunk" ? Math.max(t, r.ingestedAt) : t), 0);
  if (newest === 0) return false;
  const lagMs = Math.max(0, now - newest);
  session.lagMs = lagMs;
  const level = nextOverloadLevel(session.overload, lagMs);
  if (level === session.overload) return false;
  const { overload } = session;
  deps.log({ level: level > overload ? "warn" : "info", event: "consumer.load", sessionId, lagMs, from: overload, to: level, shedding: shedAt(level) });
  if (level > overload) deps.measurements?.count("OverloadEntered");
  session.overload = level;
  return true;
}
