/**
 * What the pipeline reports for a segment: when each stage finished and what went to each language. It sits with the
 * ports, importing only the protocol's names, because the measurements port and its adapters name it without
 * importing the pipeline.
 */
import type { BindingQuota } from "../protocol/index.ts";

/** Stage timestamps (epoch ms) carried by every segment, logged and benchmarked. */
export interface StageTimes {
  /** Capture time, on the speaker's clock, of the end of the speech. */
  speechEndCapturedAt: number;
  /** When the chunk that closed the segment was accepted by the backend. */
  ingestedAt: number;
  closedAt: number;
  transcribedAt?: number;
  translatedAt?: number;
  synthesizedAt?: number;
  storedAt?: number;
  notifiedAt?: number;
}

export interface LanguageResult {
  language: string;
  listeners: number;
  text?: string;
  url?: string;
  durationSeconds?: number;
  error?: string;
  /** Translated but not voiced here: no audio part exists for it. */
  captionsOnly?: boolean;
  /** Voiced here, but its speech was shed: the consumer ran far behind real time. */
  audioShed?: boolean;
  /** Already delivered by an earlier attempt: nothing was sent now. */
  alreadyDone?: boolean;
  /**
   * A quota met past its retry budget degraded this part for this language: "standardVoice" (voiced with the
   * plainer voice), "captionsOnly" (no translated speech, or no translation, for this part). Posts dropped for a
   * listener are counted, not named here.
   */
  degraded?: "standardVoice" | "captionsOnly";
  /** The quotas met while delivering it (retried or degraded). */
  quotas?: BindingQuota[];
  /** Failed on the batch's last attempt and given up (why): the batch goes on without it. */
  abandoned?: string;
  translatedAt?: number;
  synthesizedAt?: number;
  storedAt?: number;
  notifiedAt?: number;
}

/** Which part of its segment a delivery was, for listeners that take segments in parts. */
export interface PartOf {
  index: number;
  /** The segment closed with this part. */
  last: boolean;
  /** What committed it: a pause inside the segment, a clause boundary inside a phrase, or the segment's close. */
  committedAt?: "pause" | "clause" | "close";
}

export interface SegmentResult {
  segmentId: string;
  /** Absent for a whole segment. */
  part?: PartOf;
  text: string;
  times: StageTimes;
  languages: LanguageResult[];
  /** Some delivery failed and stays claimable: the batch must be retried. */
  incomplete: boolean;
  /** Something went out in this attempt. */
  sent: boolean;
  /** The quotas met while delivering it (each language's, and the speaker's posts). */
  quotas?: BindingQuota[];
}

/** How long each stage took (ms), from a segment's stage timestamps; undefined for a stage it did not reach. */
export function stageDurations(t: StageTimes) {
  const diff = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a - b : undefined);
  return {
    segmenterWait: diff(t.closedAt, t.speechEndCapturedAt),
    asr: diff(t.transcribedAt, t.closedAt),
    mt: diff(t.translatedAt, t.transcribedAt),
    tts: diff(t.synthesizedAt, t.translatedAt),
    store: diff(t.storedAt, t.synthesizedAt),
    notify: diff(t.notifiedAt, t.storedAt),
    total: diff(t.notifiedAt, t.speechEndCapturedAt),
  };
}
