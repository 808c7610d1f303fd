/**
 * How far behind real time the consumer runs for one session, and what it sheds to catch up.
 *
 * The lag is measured on the server's clock: from when the gateway accepted the batch's newest chunk to when
 * the consumer starts on it (the stream's queue plus every batch before it). When the machine cannot keep up,
 * work is shed in a fixed order, cheapest for listeners first: interim transcripts to the speaker, then
 * translated speech (listeners keep captions and translations). Captions are never shed. Synthesis for a
 * language nobody listens to is never done at all. Each level is left at half the lag that entered it, so a
 * session near a threshold does not flap.
 */
export type Shed = "interim" | "audio";

export interface LoadLevel {
  /** 0: nothing shed; 1: interims; 2: interims and translated speech. */
  level: 0 | 1 | 2;
  lagMs: number;
}

export const SHED_INTERIMS_AT_MS = 3000;
export const SHED_AUDIO_AT_MS = 8000;

export function nextLoadLevel(current: LoadLevel["level"], lagMs: number): LoadLevel["level"] {
  if (lagMs >= SHED_AUDIO_AT_MS) return 2;
  if (current === 2 && lagMs >= SHED_AUDIO_AT_MS / 2) return 2;
  if (lagMs >= SHED_INTERIMS_AT_MS) return 1;
  if (current >= 1 && lagMs >= SHED_INTERIMS_AT_MS / 2) return 1;
  return 0;
}

export function shedAt(level: LoadLevel["level"]): Shed[] {
  return (["interim", "audio"] as const).slice(0, level);
}
