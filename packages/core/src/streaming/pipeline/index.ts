/**
 * Everything a listener or the speaker receives for a segment. A closed segment's text goes out per recipient
 * group and part, each an idempotent delivery (core/delivery): the speaker gets the final caption; each language
 * with listeners gets, in parallel, the caption -> translate -> the translation -> synthesize once -> store ->
 * the audio URL. Per-listener work is one small message; a language nobody listens to costs nothing. The speaker's
 * interim captions of the open segment go out from here too. A language the synthesizer cannot voice (captions
 * only) stops after the translation: no synthesis is attempted for it.
 */
import type { Audience } from "../../domain/audience/index.ts";
import { translateWithGlossary } from "../../domain/glossary/index.ts";
import { Transcript } from "../../domain/transcript/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { isVoiced } from "../../domain/languages/index.ts";
import { claimDelivery, completeDelivery, type DeliveryKey, type DeliveryPart, MAX_DELIVERY_ATTEMPTS } from "../delivery/index.ts";
import type { Log } from "../../log.ts";
import { type BindingQuota, isQuotaError } from "../../domain/quotas/index.ts";
import type { AudioStore, ConnectionNotifier, Measurements, SpeechSynthesizer, Translator } from "../../ports/index.ts";
import { AUDIO_URL_TTL_SECONDS, type Glossary, type ServerMessage } from "../../protocol/index.ts";
import { type LanguageResult, type PartOf, type SegmentResult, type StageTimes, stageDurations } from "../../ports/segment-result.ts";
import { translatePart } from "./part-translation.ts";
import { metQuota, quotaRetried, synthesizeWithinQuota } from "./degradation.ts";
import { postAll, segmentIdOf } from "./posting.ts";
import { withinQuota } from "./quota.ts";

export { type LanguageResult, type PartOf, type SegmentResult, type StageTimes, stageDurations } from "../../ports/segment-result.ts";
export { type PartText, type PartTranslationMethod, translatePart } from "./part-translation.ts";
export { postAll, postInterim, segmentIdOf } from "./posting.ts";

/** Points where a crash test may stop an execution environment (local mode's kill switch); nothing in AWS. */
export type ProbePoint = "delivery.claimed" | "segment.transcribed";
export type Probe = (point: ProbePoint, detail: { sessionId: string; sequenceNumber: number; recipients?: string; part?: string }) => void;

export interface PipelineDeps {
  db: Db;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
  audioStore: AudioStore;
  notifier: ConnectionNotifier;
  log: Log;
  /** Counters of faults and retries (only `count` is used here; delivered segments are measured by whoever gets `onSegment`). */
  measurements?: Pick<Measurements, "count">;
  probe?: Probe;
  now?: () => number;
  /** Waits between the attempts of a throttled call (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
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
  /** The final transcript. */
  text: string;
  times: StageTimes;
  /** The checkpoint revision the batch started from (claims of earlier attempts are taken over). */
  revision: number;
  /** The consumer is far behind real time: listeners get captions and translations, no translated speech. */
  shedAudio?: boolean;
  /** The session keeps its transcript: every target language is translated, listened to or not, and recorded. */
  keepTranscript?: boolean;
  /** The session's glossary: every translation holds its terms to their translations. */
  glossary?: Glossary;
  /**
   * A part of the segment, for listeners that take segments in parts (the audience holds only them): its messages
   * say which part, and each part is its own delivery.
   */
  part?: PartOf;
  /** For a part: its segment's words sent in earlier parts, which it is translated together with (part-translation.ts). */
  before?: string;
}




export function audioKey(sessionId: string, language: string, sequenceNumber: number, extension: string, part?: number): string {
  const segment = String(sequenceNumber).padStart(6, "0");
  return `sessions/${sessionId}/translated/${language}/${part === undefined ? segment : `${segment}-part${part}`}.${extension}`;
}

/** A whole segment's translation, or a part's in the context of its segment's words before it. */
async function translationOf(deps: PipelineDeps, job: SegmentJob, text: string, language: string): Promise<string> {
  if (!job.part) return translateWithGlossary(deps.translator, text, job.sourceLanguage, language, job.glossary);
  const inContext = deps.translator.partsInContext !== false;
  const { text: translated, method } = await translatePart(deps.translator, { text, before: job.before }, job.sourceLanguage, language, job.glossary, inContext);
  if (method === "fallback") deps.measurements?.count("PartContextFallbacks");
  return translated;
}

/** Who a delivery is for: a language's listeners of whole segments, or of one part of a segment. */
function recipientsOf(language: string, part?: PartOf): string {
  return part ? `${language}#part${part.index}` : language;
}

const EXTENSIONS: Record<string, string> = { "audio/mpeg": "mp3", "audio/wav": "wav", "audio/ogg": "ogg" };

const SPEAKER = "speaker";

/**
 * Keeps the segment in the session's transcript: translations already made for listeners, the other target
 * languages translated now (text only). A failure is logged and counted; it does not hold delivery back.
 */
async function recordTranscript(deps: PipelineDeps, job: SegmentJob, text: string, results: readonly LanguageResult[]): Promise<void> {
  try {
    const translations: Record<string, string> = {};
    await Promise.all(
      job.targetLanguages.map(async (language) => {
        translations[language] = results.find((r) => r.language === language && r.text)?.text ?? (await translateWithGlossary(deps.translator, text, job.sourceLanguage, language, job.glossary)).trim();
      }),
    );
    await Transcript.record(deps.db, job.sessionId, { sequenceNumber: job.sequenceNumber, startMs: Math.round(job.startMs), endMs: Math.round(job.endMs), text, translations });
  } catch (error) {
    deps.log({ level: "warn", event: "transcript.record_failed", sessionId: job.sessionId, sequenceNumber: job.sequenceNumber, error: String(error) });
    deps.measurements?.count("TranscriptRecordFailures");
  }
}

export async function runSegment(deps: PipelineDeps, job: SegmentJob): Promise<SegmentResult> {
  const segmentId = segmentIdOf(job.sessionId, job.sequenceNumber);
  const times: StageTimes = { ...job.times };
  const base = {
    sessionId: job.sessionId,
    segmentId,
    sequenceNumber: job.sequenceNumber,
    ...(job.part ? { part: job.part.index, lastPart: job.part.last } : {}),
  };
  const text = job.text.trim();
  if (!text) {
    deps.log({ level: "info", event: job.part ? "part.empty" : "segment.empty", ...base, times });
    return { segmentId, part: job.part, text, times, languages: [], incomplete: false, sent: false };
  }
  const caption: ServerMessage = {
    type: "transcript",
    ...base,
    language: job.sourceLanguage,
    text,
    isFinal: true,
    startMs: Math.round(job.startMs),
    endMs: Math.round(job.endMs),
  };
  const groups = [...job.audience.listenersByLanguage].filter(([, ids]) => ids.length > 0);
  const [speaker, ...results] = await Promise.all([
    job.audience.speakers.length > 0 && !job.part ? deliverCaption(deps, job, caption) : undefined,
    ...groups.map(([language, listeners]) => deliverLanguage(deps, job, base, caption, text, language, listeners)),
  ]);
  const all = speaker ? [speaker, ...results] : results;
  if (job.keepTranscript && !job.part) await recordTranscript(deps, job, text, results);
  const done = (pick: (r: LanguageResult) => number | undefined) => {
    const values = results.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  times.translatedAt = done((r) => r.translatedAt);
  times.synthesizedAt = done((r) => r.synthesizedAt);
  times.storedAt = done((r) => r.storedAt);
  times.notifiedAt = done((r) => r.notifiedAt) ?? speaker?.notifiedAt;
  const incomplete = all.some((r) => r.error !== undefined);
  const sent = all.some((r) => !r.alreadyDone);
  const quotas = [...new Set(all.flatMap((r) => r.quotas ?? []))];

  deps.log({
    level: incomplete ? "warn" : "info",
    // A part of a segment logs as `part.*`, so a reader of `segment.*` sees each segment once. Nobody to send it to
    // (the speaker between two connections, every listener taking parts) is not "already sent".
    event: `${job.part ? "part" : "segment"}.${incomplete ? "incomplete" : sent ? "done" : all.length === 0 ? "nobody_connected" : "already_sent"}`,
    ...base,
    ...(job.part?.committedAt ? { committedAt: job.part.committedAt } : {}),
    // What was said is never logged (logs outlive the talk); its length tells a reader what they need.
    chars: text.length,
    times,
    stagesMs: stageDurations(times),
    speaker: speaker && { error: speaker.error, alreadyDone: speaker.alreadyDone, notifiedMs: speaker.notifiedAt ? speaker.notifiedAt - times.closedAt : undefined },
    ...(quotas.length ? { quotas } : {}),
    languages: results.map(({ language, listeners, captionsOnly, audioShed, degraded, error, alreadyDone, durationSeconds, translatedAt, notifiedAt }) => ({
      language,
      listeners,
      captionsOnly,
      audioShed,
      degraded,
      error,
      alreadyDone,
      durationSeconds,
      translateMs: translatedAt && times.transcribedAt ? translatedAt - times.transcribedAt : undefined,
      notifiedMs: notifiedAt ? notifiedAt - times.closedAt : undefined,
    })),
  });
  return { segmentId, part: job.part, text, times, languages: results, incomplete, sent, ...(quotas.length ? { quotas } : {}) };
}

/** "degraded": a quota refused the part past its retry budget; it is given up for this language, not retried. */
type Outcome = "sent" | "done" | "failed" | "degraded";


/** Which quota a part's throttled call met. */
const QUOTA_OF_PART: Record<DeliveryPart, BindingQuota> = { caption: "posts", translation: "translation", audio: "synthesis" };

/**
 * One idempotent delivery of one part (caption, translation, audio) to one group: claimed, sent, then marked
 * done, unless `followed` (the group's next part is claimed next, which proves this one sent: delivery/index.ts).
 * A failure leaves the claim in progress, so the retried batch sends it (once); after too many attempts it
 * is given up, logged and counted. Parts go in order, so a retry repeats no message a listener already has
 * (short of a crash between two listeners of the same message).
 */
async function deliverPart(
  settled: Promise<void>[],
  deps: PipelineDeps,
  job: SegmentJob,
  recipients: string,
  part: DeliveryPart,
  result: LanguageResult,
  send: () => Promise<void>,
  followed = false,
): Promise<Outcome> {
  const key: DeliveryKey = { sessionId: job.sessionId, sequenceNumber: job.sequenceNumber, recipients: recipientsOf(recipients, job.part), part };
  const detail = { sessionId: job.sessionId, sequenceNumber: job.sequenceNumber, recipients: key.recipients, part };
  const claim = await claimDelivery(deps.db, key, job.revision, (deps.now ?? Date.now)());
  if (claim.status === "done") return "done";
  if (claim.status === "busy") {
    deps.log({ level: "warn", event: "delivery.busy", ...detail });
    deps.measurements?.count("DeliveriesBusy");
    result.error = "held by another attempt";
    return "failed";
  }
  if (claim.status === "exhausted") {
    deps.log({ level: "error", event: "delivery.abandoned", ...detail, attempts: claim.attempt - 1 });
    deps.measurements?.count("DeliveriesAbandoned");
    await completeDelivery(deps.db, key, claim.claimedAt, true);
    return "done";
  }
  if (claim.attempt > 1) {
    deps.log({ level: "warn", event: "delivery.retried", ...detail, attempt: claim.attempt });
    deps.measurements?.count("DeliveriesRetried");
  }
  try {
    deps.probe?.("delivery.claimed", detail);
    await send();
  } catch (error) {
    if (isQuotaError(error)) {
      // Past the retry budget: this part is given up for this language (marked done, so no attempt sends it
      // later), and the batch goes on. Retrying the batch would only ask the same quota again.
      result.degraded = "captionsOnly";
      metQuota(result, QUOTA_OF_PART[part]);
      deps.log({ level: "warn", event: "quota.degraded", ...detail, language: recipients, to: "captionsOnly", errorName: (error as Error).name });
      deps.measurements?.count("QuotaDegradations");
      deps.measurements?.count(part === "audio" ? "AudioDegradedToCaptions" : part === "translation" ? "TranslationsDegradedToCaptions" : "CaptionsDegraded");
      await completeDelivery(deps.db, key, claim.claimedAt, true);
      return "degraded";
    }
    // One language failing must not cost the others their captions and audio; this one is retried.
    result.error = error instanceof Error ? error.message : String(error);
    deps.log({ level: "error", event: "segment.language_failed", ...detail, language: recipients, errorName: (error as Error)?.name, error: result.error });
    deps.measurements?.count("DeliveryFailures");
    if (claim.attempt < MAX_DELIVERY_ATTEMPTS) return "failed";
    // The batch's last attempt: give this one up rather than fail the batch and lose everything else in it.
    result.abandoned = result.error;
    result.error = undefined;
    deps.log({ level: "error", event: "delivery.abandoned", ...detail, attempts: claim.attempt });
    deps.measurements?.count("DeliveriesAbandoned");
    await completeDelivery(deps.db, key, claim.claimedAt, true);
    return "done";
  }
  if (followed) return "sent";
  // Done is recorded beside the next part's work rather than before it (the caller awaits `settled`, which
  // rejects if the write fails; until then the rejection is held, not reported as unhandled).
  const recorded = completeDelivery(deps.db, key, claim.claimedAt).then((outcome) => {
    if (outcome === "superseded") {
      deps.log({ level: "warn", event: "delivery.superseded", ...detail });
      deps.measurements?.count("DeliveriesSuperseded");
    }
  });
  recorded.catch(() => undefined);
  settled.push(recorded);
  return "sent";
}

async function deliverCaption(deps: PipelineDeps, job: SegmentJob, caption: ServerMessage): Promise<LanguageResult> {
  const result: LanguageResult = { language: SPEAKER, listeners: job.audience.speakers.length };
  const settled: Promise<void>[] = [];
  const outcome = await deliverPart(settled, deps, job, SPEAKER, "caption", result, async () => {
    if ((await postAll(deps, job.audience.speakers, caption, true)) > 0) metQuota(result, "posts");
    result.notifiedAt = (deps.now ?? Date.now)();
  }).catch(async (error) => {
    await Promise.allSettled(settled);
    throw error;
  });
  await Promise.all(settled);
  result.alreadyDone = outcome === "done";
  return result;
}

async function deliverLanguage(
  deps: PipelineDeps,
  job: SegmentJob,
  base: { sessionId: string; segmentId: string; sequenceNumber: number },
  caption: ServerMessage,
  text: string,
  language: string,
  listeners: readonly string[],
): Promise<LanguageResult> {
  const now = deps.now ?? Date.now;
  const result: LanguageResult = { language, listeners: listeners.length };
  const outcomes: Outcome[] = [];
  const settled: Promise<void>[] = [];
  const finish = async () => {
    await Promise.all(settled);
    result.alreadyDone = outcomes.every((o) => o === "done");
    return result;
  };
  try {
    const post = async (message: ServerMessage) => {
      if ((await postAll(deps, listeners, message, true)) > 0) metQuota(result, "posts");
    };
    // Listeners of the source language (or of one the session does not translate into) get the caption only.
    const translated = language !== job.sourceLanguage && job.targetLanguages.includes(language);
    const voiced = isVoiced(deps.synthesizer, language) && !job.shedAudio;
    outcomes.push(await deliverPart(settled, deps, job, language, "caption", result, () => post(caption), translated));
    if (outcomes[0] === "failed" || result.abandoned || !translated) {
      if (outcomes[0] === "sent") result.notifiedAt = now();
      return await finish();
    }
    // When only the audio is left from an earlier attempt, the text is translated again (nothing is sent twice).
    let translation: Promise<string> | undefined;
    const translate = () =>
      (translation ??= withinQuota(() => translationOf(deps, job, text, language), {
        sleep: deps.sleep,
        onRetry: () => quotaRetried(deps, result, "translation"),
      }).then((t) => {
        result.text = t.trim();
        result.translatedAt = now();
        return result.text;
      }));
    outcomes.push(
      await deliverPart(
        settled,
        deps,
        job,
        language,
        "translation",
        result,
        async () => {
          await post({ type: "translation", ...base, targetLanguage: language, text: await translate() });
        },
        voiced,
      ),
    );
    // Untranslated under a quota, or given up: this part stays captions only for this language (nothing to voice).
    if (outcomes[1] === "failed" || outcomes[1] === "degraded" || result.abandoned) return await finish();
    // A captions-only language (translated, no voice here), or speech shed under overload: its listeners have
    // everything there is to send. Shed audio is never claimed, so nothing waits for it.
    if (!voiced) {
      if (job.shedAudio && isVoiced(deps.synthesizer, language)) result.audioShed = true;
      else result.captionsOnly = true;
      if (outcomes[1] === "sent") result.notifiedAt = now();
      return await finish();
    }
    outcomes.push(
      await deliverPart(settled, deps, job, language, "audio", result, async () => {
        const translated = await translate();
        if (!translated) return;
        const audio = await synthesizeWithinQuota(deps, job, recipientsOf(language, job.part), translated, language, result);
        result.synthesizedAt = now();
        const key = audioKey(job.sessionId, language, job.sequenceNumber, EXTENSIONS[audio.format] ?? "bin", job.part?.index);
        await withinQuota(() => deps.audioStore.put(key, audio.data, audio.format), { sleep: deps.sleep });
        const url = await deps.audioStore.presignedUrl(key, AUDIO_URL_TTL_SECONDS);
        result.storedAt = now();
        result.url = url;
        result.durationSeconds = audio.durationSeconds;
        await post({
          type: "translatedAudio",
          ...base,
          targetLanguage: language,
          url,
          format: audio.format,
          duration: Math.round(audio.durationSeconds * 1000) / 1000,
          timestamp: job.times.speechEndCapturedAt,
        });
        result.notifiedAt = now();
      }),
    );
    return await finish();
  } catch (error) {
    // Whatever was marked done so far still lands (or fails) before the error goes up.
    await Promise.allSettled(settled);
    throw error;
  }
}
