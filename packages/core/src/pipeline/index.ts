/**
 * One closed segment's way to the listeners: transcribe -> notify the caption -> for each target language
 * that has listeners, in parallel: translate -> notify -> synthesize once -> store -> notify the audio URL.
 * Per-listener work is one small message; a language nobody listens to costs nothing.
 */
import type { Audience } from "../connection/index.ts";
import type { Log } from "../log.ts";
import type { AudioStore, ConnectionNotifier, SpeechSynthesizer, Translator } from "../ports.ts";
import { AUDIO_URL_TTL_SECONDS, type ServerMessage } from "../protocol/index.ts";

export interface PipelineDeps {
  translator: Translator;
  synthesizer: SpeechSynthesizer;
  audioStore: AudioStore;
  notifier: ConnectionNotifier;
  /** Called for each connection found gone (HTTP 410), so its record is deleted. */
  forgetConnection(connectionId: string): Promise<void>;
  log: Log;
  now?: () => number;
}

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

export interface SegmentJob {
  sessionId: string;
  sourceLanguage: string;
  /** The session's target languages; only those with listeners are produced. */
  targetLanguages: readonly string[];
  audience: Audience;
  sequenceNumber: number;
  startMs: number;
  endMs: number;
  times: StageTimes;
  /** Resolves to the final transcript (the recognizer has usually heard the audio already). */
  transcribe(): Promise<string>;
  /** Claims the segment before anything reaches a user; false when a previous attempt already sent it. */
  claim(): Promise<boolean>;
}

export interface LanguageResult {
  language: string;
  listeners: number;
  text?: string;
  url?: string;
  durationSeconds?: number;
  error?: string;
  translatedAt?: number;
  synthesizedAt?: number;
  storedAt?: number;
  notifiedAt?: number;
}

export interface SegmentResult {
  segmentId: string;
  text: string;
  times: StageTimes;
  languages: LanguageResult[];
}

export function segmentIdOf(sessionId: string, sequenceNumber: number): string {
  return `${sessionId}-${String(sequenceNumber).padStart(5, "0")}`;
}

export function audioKey(sessionId: string, language: string, sequenceNumber: number, extension: string): string {
  return `sessions/${sessionId}/translated/${language}/${String(sequenceNumber).padStart(6, "0")}.${extension}`;
}

const EXTENSIONS: Record<string, string> = { "audio/mpeg": "mp3", "audio/wav": "wav", "audio/ogg": "ogg" };

export async function runSegment(deps: PipelineDeps, job: SegmentJob): Promise<SegmentResult> {
  const now = deps.now ?? Date.now;
  const segmentId = segmentIdOf(job.sessionId, job.sequenceNumber);
  const times: StageTimes = { ...job.times };
  const base = { sessionId: job.sessionId, segmentId, sequenceNumber: job.sequenceNumber };

  const text = (await job.transcribe()).trim();
  times.transcribedAt = now();
  if (!text) {
    deps.log({ level: "info", event: "segment.empty", ...base, times });
    return { segmentId, text, times, languages: [] };
  }
  if (!(await job.claim())) {
    deps.log({ level: "info", event: "segment.already_sent", ...base });
    return { segmentId, text, times, languages: [] };
  }

  const everyone = [...job.audience.speakers, ...[...job.audience.listenersByLanguage.values()].flat()];
  await postAll(deps, everyone, {
    type: "transcript",
    ...base,
    language: job.sourceLanguage,
    text,
    isFinal: true,
    startMs: Math.round(job.startMs),
    endMs: Math.round(job.endMs),
  });

  const languages = job.targetLanguages.filter(
    (language) => (job.audience.listenersByLanguage.get(language)?.length ?? 0) > 0,
  );
  const results = await Promise.all(
    languages.map((language) => deliverLanguage(deps, job, base, text, language)),
  );

  const done = (pick: (r: LanguageResult) => number | undefined) => {
    const values = results.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  times.translatedAt = done((r) => r.translatedAt);
  times.synthesizedAt = done((r) => r.synthesizedAt);
  times.storedAt = done((r) => r.storedAt);
  times.notifiedAt = done((r) => r.notifiedAt) ?? now();

  deps.log({
    level: "info",
    event: "segment.done",
    ...base,
    text,
    times,
    stagesMs: stageDurations(times),
    languages: results.map(({ language, listeners, error, durationSeconds, translatedAt, notifiedAt }) => ({
      language,
      listeners,
      error,
      durationSeconds,
      translateMs: translatedAt && times.transcribedAt ? translatedAt - times.transcribedAt : undefined,
      notifiedMs: notifiedAt ? notifiedAt - times.closedAt : undefined,
    })),
  });
  return { segmentId, text, times, languages: results };
}

async function deliverLanguage(
  deps: PipelineDeps,
  job: SegmentJob,
  base: { sessionId: string; segmentId: string; sequenceNumber: number },
  text: string,
  language: string,
): Promise<LanguageResult> {
  const now = deps.now ?? Date.now;
  const listeners = job.audience.listenersByLanguage.get(language) ?? [];
  const result: LanguageResult = { language, listeners: listeners.length };
  try {
    const translated = (await deps.translator.translate(text, job.sourceLanguage, language)).trim();
    result.text = translated;
    result.translatedAt = now();
    await postAll(deps, listeners, { type: "translation", ...base, targetLanguage: language, text: translated });
    if (!translated) return result;

    const audio = await deps.synthesizer.synthesize(translated, language);
    result.synthesizedAt = now();
    const key = audioKey(job.sessionId, language, job.sequenceNumber, EXTENSIONS[audio.format] ?? "bin");
    await deps.audioStore.put(key, audio.data, audio.format);
    const url = await deps.audioStore.presignedUrl(key, AUDIO_URL_TTL_SECONDS);
    result.storedAt = now();
    result.url = url;
    result.durationSeconds = audio.durationSeconds;
    await postAll(deps, listeners, {
      type: "translatedAudio",
      ...base,
      targetLanguage: language,
      url,
      format: audio.format,
      duration: Math.round(audio.durationSeconds * 1000) / 1000,
      timestamp: job.times.speechEndCapturedAt,
    });
    result.notifiedAt = now();
  } catch (error) {
    // One language failing must not cost the others their captions and audio.
    result.error = error instanceof Error ? error.message : String(error);
    deps.log({ level: "error", event: "segment.language_failed", ...base, language, error: result.error });
  }
  return result;
}

/** Posts one message to many connections in parallel; gone connections are forgotten, others' failures logged. */
export async function postAll(deps: Pick<PipelineDeps, "notifier" | "forgetConnection" | "log">, connectionIds: readonly string[], message: ServerMessage): Promise<void> {
  await Promise.all(
    connectionIds.map(async (connectionId) => {
      try {
        if ((await deps.notifier.post(connectionId, message)) === "gone") await deps.forgetConnection(connectionId);
      } catch (error) {
        deps.log({
          level: "warn",
          event: "notify.failed",
          connectionId,
          type: message.type,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }),
  );
}

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
