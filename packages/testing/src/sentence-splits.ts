/**
 * How a segmenter cuts a fixture talk, sentence by sentence: how many segments each sentence's voiced speech
 * falls into (more than one means it was split in the middle, which the recognizer and the translation pay for),
 * and how much audio past the end of its voice had arrived when the segment holding its end closed (the
 * segmenter's wait, in audio time: what the pause rule costs before any processing). For tests and benchmarks.
 */
import { samplesToMs } from "@livetranslate/core/audio";
import type { ClosedSegment, Segmenter } from "@livetranslate/core/streaming/segmenter";
import { chunksOf, type Talk } from "./fixtures.ts";

export interface SentenceCut {
  file: string;
  /** Segments holding some of the sentence's voiced speech. */
  segments: number;
  /** Audio past the end of the voice (ms) fed when its last segment closed; undefined when that was the flush. */
  waitMs?: number;
}

export interface TalkSegmentation {
  sentences: SentenceCut[];
  segments: (ClosedSegment & { closedAtSample: number })[];
  /** Cuts inside sentences (a sentence in three segments counts two), per 100 sentences. */
  splitsPer100Sentences: number;
}

/** Feeds `talk` to `segmenter` in chunks as the speaker app sends them, then ends the session. */
export async function segmentTalk(talk: Talk, segmenter: Segmenter, chunkMs = 100): Promise<TalkSegmentation> {
  const segments: TalkSegmentation["segments"] = [];
  for (const chunk of chunksOf(talk.pcm, chunkMs)) {
    for (const event of await segmenter.push(chunk)) {
      if (event.type === "segment") segments.push({ ...event.segment, closedAtSample: segmenter.consumedSamples });
    }
  }
  const flushedAt = segmenter.consumedSamples;
  for (const event of segmenter.flush()) if (event.type === "segment") segments.push({ ...event.segment, closedAtSample: Infinity });
  const sentences = talk.utterances.map((u): SentenceCut => {
    const holding = segments.filter((s) => samplesToMs(s.startSample) < u.voicedEndMs && samplesToMs(s.speechEndSample) > u.voicedStartMs);
    const last = holding.at(-1);
    const closedAt = last && last.closedAtSample <= flushedAt ? samplesToMs(last.closedAtSample) : undefined;
    return { file: u.file, segments: holding.length, waitMs: closedAt === undefined ? undefined : closedAt - u.voicedEndMs };
  });
  const splits = sentences.reduce((n, s) => n + Math.max(0, s.segments - 1), 0);
  return { sentences, segments, splitsPer100Sentences: (100 * splits) / Math.max(1, sentences.length) };
}
