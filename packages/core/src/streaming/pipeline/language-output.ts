/**
 * What one language makes of a segment or part: its translation and, voiced, its speech stored with a URL. Made once
 * and shared by every kind of listener of the language (three messages per part, one message per part, broadcast).
 */
import { translateWithGlossary } from "../../domain/glossary/index.ts";
import { AUDIO_URL_TTL_SECONDS, type PartAudio } from "../../protocol/index.ts";
import type { LanguageResult } from "../../ports/segment-result.ts";
import { quotaRetried, synthesizeWithinQuota } from "./degradation.ts";
import type { PipelineDeps, SegmentJob } from "./index.ts";
import { translatePart } from "./part-translation.ts";
import { withinQuota } from "./quota.ts";

export interface LanguageOutput {
  /** The translation, trimmed (within the translation quota's retry budget). */
  translate(): Promise<string>;
  /** The translation's speech, stored; undefined when there are no words to voice. */
  voice(): Promise<PartAudio | undefined>;
}

export function audioKey(sessionId: string, language: string, sequenceNumber: number, extension: string, part?: number): string {
  const segment = String(sequenceNumber).padStart(6, "0");
  return `sessions/${sessionId}/translated/${language}/${part === undefined ? segment : `${segment}-part${part}`}.${extension}`;
}

const EXTENSIONS: Record<string, string> = { "audio/mpeg": "mp3", "audio/wav": "wav", "audio/ogg": "ogg" };

/**
 * The language's output, each step run at most once (when only the audio is left from an earlier attempt, the text
 * is translated again: nothing is sent twice). Times and results are noted on `result`.
 */
export function languageOutput(deps: PipelineDeps, job: SegmentJob, text: string, language: string, recipients: string, result: LanguageResult): LanguageOutput {
  const now = deps.now ?? Date.now;
  let translation: Promise<string> | undefined;
  let speech: Promise<PartAudio | undefined> | undefined;
  const translate = () =>
    (translation ??= withinQuota(() => translationOf(deps, job, text, language), {
      sleep: deps.sleep,
      onRetry: () => quotaRetried(deps, result, "translation"),
    }).then((t) => {
      result.text = t.trim();
      result.translatedAt = now();
      return result.text;
    }));
  const voice = () =>
    (speech ??= translate().then(async (words) => {
      if (!words) return undefined;
      const audio = await synthesizeWithinQuota(deps, job, recipients, words, language, result);
      result.synthesizedAt = now();
      const key = audioKey(job.sessionId, language, job.sequenceNumber, EXTENSIONS[audio.format] ?? "bin", job.part?.index);
      await withinQuota(() => deps.audioStore.put(key, audio.data, audio.format), { sleep: deps.sleep });
      const url = await deps.audioStore.presignedUrl(key, AUDIO_URL_TTL_SECONDS);
      result.storedAt = now();
      result.url = url;
      result.durationSeconds = audio.durationSeconds;
      return { url, format: audio.format, duration: Math.round(audio.durationSeconds * 1000) / 1000, timestamp: job.times.speechEndCapturedAt };
    }));
  return { translate, voice };
}

/** A whole segment's translation, or a part's in the context of its segment's words before it. */
async function translationOf(deps: PipelineDeps, job: SegmentJob, text: string, language: string): Promise<string> {
  if (!job.part) return translateWithGlossary(deps.translator, text, job.sourceLanguage, language, job.glossary);
  const inContext = deps.translator.partsInContext !== false;
  const { text: translated, method } = await translatePart(deps.translator, { text, before: job.before }, job.sourceLanguage, language, job.glossary, inContext);
  if (method === "fallback") deps.measurements?.count("PartContextFallbacks");
  return translated;
}
