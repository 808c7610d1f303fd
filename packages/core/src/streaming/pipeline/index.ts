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
import type { Log } from "../../log.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { AudioStore, BroadcastPublisher, ConnectionNotifier, Measurements, SpeechSynthesizer, Translator } from "../../ports/index.ts";
import type { Glossary, PartAudio, PartMessage, ServerMessage } from "../../protocol/index.ts";
import { type LanguageResult, type PartOf, type SegmentResult, type StageTimes, stageDurations } from "../../ports/segment-result.ts";
import { deliverPart, type Outcome, recipientsOf } from "./claimed-part.ts";
import { metQuota } from "./degradation.ts";
import { type LanguageOutput, languageOutput } from "./language-output.ts";
import { postAll, type Recipients, segmentIdOf, sendTo } from "./posting.ts";

export { type LanguageResult, type PartOf, type SegmentResult, type StageTimes, stageDurations } from "../../ports/segment-result.ts";
export { type PartText, type PartTranslationMethod, translatePart } from "./part-translation.ts";
export { audioKey } from "./language-output.ts";
export { announceEnd, postAll, postInterim, segmentIdOf } from "./posting.ts";

/** Points where a crash test may stop an execution environment (local mode's kill switch); nothing in AWS. */
export type ProbePoint = "delivery.claimed" | "segment.transcribed";
export type Probe = (point: ProbePoint, detail: { sessionId: string; sequenceNumber: number; recipients?: string; part?: string }) => void;

export interface PipelineDeps {
  db: Db;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
  audioStore: AudioStore;
  notifier: ConnectionNotifier;
  /** Publishes to listeners by broadcast; needed only when some listen so. */
  broadcast?: BroadcastPublisher;
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
  const caption: ServerMessage & { type: "transcript" } = {
    type: "transcript",
    ...base,
    language: job.sourceLanguage,
    text,
    isFinal: true,
    startMs: Math.round(job.startMs),
    endMs: Math.round(job.endMs),
  };
  const [speaker, ...results] = await Promise.all([
    job.audience.speakers.length > 0 && !job.part ? deliverCaption(deps, job, caption) : undefined,
    ...languageGroups(job).map((group) => deliverLanguage(deps, job, base, caption, text, group)),
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


/**
 * One language's recipients of a segment or part: connections taking three messages each and, for a part only,
 * connections taking one message per part and how many listen by broadcast (reached by one publish).
 */
interface LanguageGroup {
  language: string;
  listeners: readonly string[];
  bundled: readonly string[];
  broadcast: number;
}

function languageGroups(job: SegmentJob): LanguageGroup[] {
  const none = new Map<string, string[]>();
  const bundledByLanguage = job.part ? (job.audience.bundledListenersByLanguage ?? none) : none;
  const broadcastByLanguage = job.part ? (job.audience.broadcastListenersByLanguage ?? none) : none;
  const languages = new Set([...job.audience.listenersByLanguage.keys(), ...bundledByLanguage.keys(), ...broadcastByLanguage.keys()]);
  return [...languages]
    .map((language) => ({
      language,
      listeners: job.audience.listenersByLanguage.get(language) ?? [],
      bundled: bundledByLanguage.get(language) ?? [],
      broadcast: broadcastByLanguage.get(language)?.length ?? 0,
    }))
    .filter((group) => group.listeners.length + group.bundled.length + group.broadcast > 0);
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

/** One language's delivery of a segment or part: what it made, the outcome of each delivery, writes to await. */
interface LanguageDelivery {
  deps: PipelineDeps;
  job: SegmentJob;
  result: LanguageResult;
  output: LanguageOutput;
  outcomes: Outcome[];
  settled: Promise<void>[];
  /** The language is translated (not the source language, and one the session translates into). */
  translated: boolean;
}

async function deliverLanguage(
  deps: PipelineDeps,
  job: SegmentJob,
  base: { sessionId: string; segmentId: string; sequenceNumber: number },
  caption: ServerMessage & { type: "transcript" },
  text: string,
  group: LanguageGroup,
): Promise<LanguageResult> {
  const { language } = group;
  const result: LanguageResult = { language, listeners: group.listeners.length + group.bundled.length + group.broadcast };
  const delivery: LanguageDelivery = {
    deps,
    job,
    result,
    output: languageOutput(deps, job, text, language, recipientsOf(language, job.part), result),
    outcomes: [],
    settled: [],
    // Listeners of the source language (or of one the session does not translate into) get the caption only.
    translated: language !== job.sourceLanguage && job.targetLanguages.includes(language),
  };
  const channel = group.broadcast > 0 ? { sessionId: job.sessionId, language } : undefined;
  try {
    // Both kinds of listener run to their end before an error goes up, so nothing of either is left unrecorded.
    const runs = await Promise.allSettled([
      group.listeners.length > 0 ? deliverMessages(delivery, base, caption, group.listeners) : undefined,
      group.bundled.length > 0 || channel ? deliverBundle(delivery, base, caption, { connections: group.bundled, channel }) : undefined,
    ]);
    const failed = runs.find((run) => run.status === "rejected");
    if (failed) throw failed.reason;
    await Promise.all(delivery.settled);
    result.alreadyDone = delivery.outcomes.every((o) => o === "done");
    return result;
  } catch (error) {
    // Whatever was marked done so far still lands (or fails) before the error goes up.
    await Promise.allSettled(delivery.settled);
    throw error;
  }
}

/** Voiced here and not shed: the language's listeners get its speech. */
function voiced(delivery: LanguageDelivery): boolean {
  return isVoiced(delivery.deps.synthesizer, delivery.result.language) && !delivery.job.shedAudio;
}

/** Why a translated language gets no speech: shed under overload, or not voiced here (captions only). */
function noteUnvoiced(delivery: LanguageDelivery): void {
  if (delivery.job.shedAudio && isVoiced(delivery.deps.synthesizer, delivery.result.language)) delivery.result.audioShed = true;
  else delivery.result.captionsOnly = true;
}

/** The three messages of v1 (a segment) or of `parts=1` (a part), in order, each its own delivery. */
async function deliverMessages(
  delivery: LanguageDelivery,
  base: { sessionId: string; segmentId: string; sequenceNumber: number },
  caption: ServerMessage,
  listeners: readonly string[],
): Promise<void> {
  const { deps, job, result, output, outcomes, settled } = delivery;
  const language = result.language;
  const now = deps.now ?? Date.now;
  const notified = () => {
    result.notifiedAt = Math.max(result.notifiedAt ?? 0, now());
  };
  const post = async (message: ServerMessage) => {
    if ((await postAll(deps, listeners, message, true)) > 0) metQuota(result, "posts");
  };
  const first = await deliverPart(settled, deps, job, language, "caption", result, () => post(caption), delivery.translated);
  outcomes.push(first);
  if (first === "failed" || result.abandoned || !delivery.translated) {
    if (first === "sent") notified();
    return;
  }
  const second = await deliverPart(settled, deps, job, language, "translation", result, async () => {
    await post({ type: "translation", ...base, targetLanguage: language, text: await output.translate() });
  }, voiced(delivery));
  outcomes.push(second);
  // Untranslated under a quota, or given up: this part stays captions only for this language (nothing to voice).
  if (second === "failed" || second === "degraded" || result.abandoned) return;
  // A captions-only language (translated, no voice here), or speech shed under overload: its listeners have
  // everything there is to send. Shed audio is never claimed, so nothing waits for it.
  if (!voiced(delivery)) {
    noteUnvoiced(delivery);
    if (second === "sent") notified();
    return;
  }
  outcomes.push(
    await deliverPart(settled, deps, job, language, "audio", result, async () => {
      const audio = await output.voice();
      if (!audio) return;
      await post({ type: "translatedAudio", ...base, targetLanguage: language, ...audio });
      notified();
    }),
  );
}

/**
 * A part as one message, sent once its speech is ready: posted to each connection that takes it so (`bundled=1`)
 * and published once to the language's broadcast channel. A translation or speech refused by its quota past the
 * retry budget is left out of the message (the part is captions only for this language), not waited for.
 */
async function deliverBundle(
  delivery: LanguageDelivery,
  base: { sessionId: string; segmentId: string; sequenceNumber: number },
  caption: ServerMessage & { type: "transcript" },
  recipients: Recipients,
): Promise<void> {
  const { deps, job, result, output, outcomes, settled } = delivery;
  const language = result.language;
  const degrade = <T>(made: Promise<T>): Promise<T | undefined> =>
    made.catch((error: unknown) => {
      if (!isQuotaError(error)) throw error;
      result.degraded = "captionsOnly";
      deps.measurements?.count("QuotaDegradations");
      return undefined;
    });
  if (delivery.translated && !voiced(delivery)) noteUnvoiced(delivery);
  outcomes.push(
    await deliverPart(settled, deps, job, language, "bundle", result, async () => {
      const translation = delivery.translated ? await degrade(output.translate()) : undefined;
      const audio: PartAudio | undefined = translation !== undefined && voiced(delivery) ? await degrade(output.voice()) : undefined;
      const message: PartMessage = {
        type: "part",
        ...base,
        part: job.part?.index ?? 0,
        lastPart: job.part?.last ?? true,
        language: caption.language,
        text: caption.text,
        startMs: caption.startMs,
        endMs: caption.endMs,
        targetLanguage: language,
        ...(translation !== undefined ? { translation } : {}),
        ...(audio ? { audio } : {}),
      };
      const sent = await sendTo(deps, recipients, message);
      if (sent.postsDropped > 0) metQuota(result, "posts");
      if (sent.carried) metQuota(result, "publishes");
      result.notifiedAt = Math.max(result.notifiedAt ?? 0, (deps.now ?? Date.now)());
    }),
  );
}
