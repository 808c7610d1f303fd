/**
 * What a batch delivers, in the order it happened: a part committed at a pause, a segment closed (with its last
 * part), and a clause committed while the speaker goes on. The commit policy is segment-parts.ts; every part goes
 * out through `sendPart`, to the listeners that take parts, and the whole segment to everyone else.
 */
import { samplesToMs } from "../../audio/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import { type PartOf, type PipelineDeps, runSegment, type SegmentJob, type SegmentResult, type StageTimes } from "../pipeline/index.ts";
import type { CaptureClock, WarmSession } from "./checkpoint.ts";
import { PartDecision } from "./part-decision.ts";
import type { LiveRecognition } from "./recognition.ts";
import { atClause, atPause, CLAUSE_OPENERS, type CommitRules, lastPart, mayEndAt, partsOf, type PauseDecision, type SegmentParts } from "./segment-parts.ts";

export interface PartDeliveryDeps extends PipelineDeps {
  /** Called with each segment that sent something (benchmarks and tests observe the pipeline through it). */
  onSegment?: (sessionId: string, result: SegmentResult) => void;
}

/** What the segmenter asked of a batch: commit a part at a pause, or close a segment. */
export type BatchJob =
  | { kind: "pause"; sequenceNumber: number; segmentStartSample: number; atSample: number; times: StageTimes; words?: Promise<string> }
  | { kind: "close"; sequenceNumber: number; startSample: number; endSample: number; times: StageTimes; transcribe: () => Promise<string> };

/** When the speech ending at `speechEndSample` was captured, by the speaker's clock as the latest chunk set it. */
export function timesAt(clock: CaptureClock | undefined, speechEndSample: number, ingestedAt: number, closedAt: number): StageTimes {
  const capturedAt = clock ? clock.capturedAt + samplesToMs(speechEndSample - clock.sample) : ingestedAt;
  return { speechEndCapturedAt: Math.round(capturedAt), ingestedAt, closedAt };
}

/** One batch's deliveries for one session. */
export class PartDelivery {
  /** Deliveries that failed and stay claimable: the batch must be retried. */
  incomplete = 0;
  /** Capture to notification of the last whole segment delivered in this batch. */
  latencyMs?: number;
  private readonly now: () => number;

  constructor(
    private readonly deps: PartDeliveryDeps,
    private readonly recognition: LiveRecognition,
    private readonly warm: WarmSession,
    private readonly audience: () => Promise<Audience>,
    private readonly decisions: PartDecision.Entity,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Segments closed together (a batch that caught up) are transcribed side by side; everything goes out in order. */
  async deliver(jobs: readonly BatchJob[]): Promise<void> {
    const transcriptions = new Map(jobs.flatMap((job) => (job.kind === "close" ? [[job, job.transcribe()] as const] : [])));
    for (const t of transcriptions.values()) t.catch(() => undefined);
    for (const job of jobs) {
      if (job.kind === "pause") await this.atPause(job);
      else await this.atClose(job, await this.heardOrLost(job, transcriptions.get(job)!));
    }
  }

  /**
   * The segment's text; when Transcribe's concurrent-stream quota refused it past its retry budget, nothing: the
   * segment is lost, named in the log, counted and told to the speaker, and the batch goes on. Failing the batch
   * would replay it and open more streams against the quota that refused this one. Parts already sent stay sent.
   */
  private async heardOrLost(job: Extract<BatchJob, { kind: "close" }>, transcription: Promise<string>): Promise<string> {
    try {
      return await transcription;
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      const sessionId = this.warm.session.sessionId;
      this.deps.log({ level: "warn", event: "quota.segment_unheard", sessionId, sequenceNumber: job.sequenceNumber, errorName: (error as Error).name });
      this.deps.measurements?.count("SegmentsUnheard");
      (this.warm.quotasMetAt ??= {}).recognition = this.now();
      return "";
    }
  }

  /**
   * A long phrase goes out clause by clause while the speaker goes on (not behind real time). With `wait` false (an
   * environment that only now got the session back) it goes by what the stream has decoded so far.
   */
  async atClause(wait: boolean, lastIngestedAt: number): Promise<void> {
    const speaking = this.warm.segmenter.openSegment;
    if (!speaking || this.warm.overload >= 1) return;
    const heard = await this.recognition.phraseWords(this.warm.session.sessionId, speaking.startSample, wait);
    const state = partsOf(this.warm.parts, speaking.sequenceNumber, speaking.startSample);
    const decision = heard ? atClause(state, heard, speaking.startSample, this.commitRules(speaking.startSample)) : undefined;
    if (!decision?.commit || !(await this.partAudience())) return;
    const part = await this.decide(speaking.sequenceNumber, state, decision);
    this.warm.parts = part.state;
    this.deps.measurements?.count("ClauseParts");
    const times = { ...timesAt(this.warm.clock, part.endSample, lastIngestedAt, this.now()), transcribedAt: this.now() };
    await this.sendPart(this.segmentJob(speaking.sequenceNumber, part.startSample, part.endSample, part.text, times), part.index, "clause", part.state.committed.slice(0, part.index));
  }

  /**
   * Behind real time, parts are shed with the interims; with nobody taking parts, the batch does not wait for the
   * phrase's final words. Either way the rest of the segment goes out when it closes (no later pause of it commits,
   * as those words would follow the skipped ones).
   */
  private async atPause(job: Extract<BatchJob, { kind: "pause" }>): Promise<void> {
    const shed = this.warm.overload >= 1;
    if (shed || !(await this.partAudience())) {
      this.warm.parts = { ...partsOf(this.warm.parts, job.sequenceNumber, job.segmentStartSample), broken: true };
      if (shed) this.deps.measurements?.count("PartsShed");
      return;
    }
    const rules = this.commitRules(job.segmentStartSample);
    // Words that cannot be committed here are not waited for.
    const words = mayEndAt(rules, job.atSample) ? await job.words?.catch(() => undefined) : undefined;
    const state = partsOf(this.warm.parts, job.sequenceNumber, job.segmentStartSample);
    const decision = atPause(state, words, job.atSample, rules);
    if (!decision.commit) {
      this.warm.parts = decision.state;
      return;
    }
    const part = await this.decide(job.sequenceNumber, state, decision);
    this.warm.parts = part.state;
    const times = { ...job.times, transcribedAt: this.now() };
    await this.sendPart(this.segmentJob(job.sequenceNumber, part.startSample, part.endSample, part.text, times), part.index, "pause", part.state.committed.slice(0, part.index));
  }

  /** Words already sent in parts are not revised: the segment says what its parts said, then the rest. */
  private async atClose(job: Extract<BatchJob, { kind: "close" }>, text: string): Promise<void> {
    const { sessionId, keepTranscript } = this.warm.session;
    const times = { ...job.times, transcribedAt: this.now() };
    this.deps.probe?.("segment.transcribed", { sessionId, sequenceNumber: job.sequenceNumber });
    let parts = partsOf(this.warm.parts, job.sequenceNumber, job.startSample);
    this.warm.parts = undefined;
    let last = lastPart(parts, text);
    // Parts an earlier attempt at this batch recorded beyond those this one committed go out as recorded first.
    const recorded: PartDecision.Info[] = [];
    if (await this.partAudience()) {
      for (;;) {
        const proposed = { index: last.index, text: last.text, startSample: last.startSample, endSample: job.endSample, last: true };
        const decided = await PartDecision.decide(this.decisions, sessionId, job.sequenceNumber, proposed);
        if (decided.last) {
          last = { ...last, text: decided.text, startSample: decided.startSample };
          break;
        }
        this.partsRedecided(job.sequenceNumber, decided.index);
        recorded.push(decided);
        parts = { ...parts, committed: [...parts.committed, decided.text], fromSample: decided.endSample };
        last = lastPart(parts, text);
      }
    }
    if (!last.exact) {
      this.deps.log({ level: "info", event: "parts.text_changed", sessionId, sequenceNumber: job.sequenceNumber, chars: text.length });
      this.deps.measurements?.count("PartsTextChanged");
    }
    const said = parts.committed.length > 0 ? [...parts.committed, last.text].filter((t) => t.length > 0).join(" ") : text;
    const whole = this.segmentJob(job.sequenceNumber, job.startSample, job.endSample, said, times);
    for (const part of recorded) {
      await this.sendPart(this.segmentJob(job.sequenceNumber, part.startSample, part.endSample, part.text, times), part.index, "close", parts.committed.slice(0, part.index), false);
    }
    // The segment and its last part go to different people (the speaker and whole-segment listeners; listeners that
    // take parts): side by side, so neither waits for the other.
    await Promise.all([
      runSegment(this.deps, { ...whole, audience: await this.audience(), keepTranscript }).then((result) => this.delivered(result)),
      last.text ? this.sendPart({ ...whole, startMs: samplesToMs(last.startSample), text: last.text }, last.index, "close", parts.committed) : undefined,
    ]);
  }

  /**
   * The part `decision` commits, as recorded for good before anyone gets it: when an earlier attempt at this batch
   * recorded another cut for that part, that one, and the segment's later words wait for its close (aligned there
   * to the words already sent), as this attempt's hearing of the phrase no longer lines up with what went out.
   */
  private async decide(sequenceNumber: number, before: SegmentParts, decision: Extract<PauseDecision, { commit: true }>) {
    const proposed = { index: decision.index, text: decision.text, startSample: decision.startSample, endSample: decision.endSample, last: false };
    const decided = await PartDecision.decide(this.decisions, this.warm.session.sessionId, sequenceNumber, proposed);
    if (PartDecision.same(decided, proposed)) return { ...decided, state: decision.state };
    this.partsRedecided(sequenceNumber, decided.index);
    const state: SegmentParts = { ...before, committed: [...before.committed, decided.text], fromSample: decided.endSample, pending: "", inPhrase: [], broken: true };
    return { ...decided, state };
  }

  private partsRedecided(sequenceNumber: number, index: number): void {
    this.deps.log({ level: "info", event: "parts.decided_before", sessionId: this.warm.session.sessionId, sequenceNumber, part: index });
    this.deps.measurements?.count("PartsDecidedBefore");
  }

  /** `before`: the texts of the segment's parts sent before this one, which it is translated together with. */
  private async sendPart(
    job: Omit<SegmentJob, "audience">,
    index: number,
    committedAt: PartOf["committedAt"],
    before: readonly string[],
    last = committedAt === "close",
  ): Promise<void> {
    const parts = await this.partAudience();
    if (parts) this.delivered(await runSegment(this.deps, { ...job, audience: parts, part: { index, last, committedAt }, before: before.join(" ") }));
  }

  /** The listeners that take parts; undefined when there are none. */
  private async partAudience(): Promise<Audience | undefined> {
    const parts = Audience.ofParts(await this.audience());
    return Audience.hasListeners(parts) ? parts : undefined;
  }

  private delivered(result: SegmentResult): void {
    if (result.incomplete) this.incomplete++;
    for (const quota of result.quotas ?? []) (this.warm.quotasMetAt ??= {})[quota] = (this.deps.now ?? Date.now)();
    if (!result.part && result.times.notifiedAt && result.languages.some((l) => l.notifiedAt)) {
      this.latencyMs = result.times.notifiedAt - result.times.speechEndCapturedAt;
    }
    if (result.sent) this.deps.onSegment?.(this.warm.session.sessionId, result);
  }

  /** Where a part of the open segment starting at `segmentStartSample` may end. */
  private commitRules(segmentStartSample: number): CommitRules {
    const { glossary, sourceLanguage } = this.warm.session;
    return {
      terms: (glossary ?? []).map((entry) => entry.term),
      openers: CLAUSE_OPENERS[sourceLanguage],
      endBy: this.warm.segmenter.cutWindowStart(segmentStartSample),
    };
  }

  private segmentJob(sequenceNumber: number, startSample: number, endSample: number, text: string, times: StageTimes): Omit<SegmentJob, "audience"> {
    const { sessionId, sourceLanguage, targetLanguages, glossary } = this.warm.session;
    return {
      sessionId,
      sourceLanguage,
      targetLanguages,
      sequenceNumber,
      startMs: samplesToMs(startSample),
      endMs: samplesToMs(endSample),
      text,
      times,
      revision: this.warm.revision,
      shedAudio: this.warm.overload >= 2,
      glossary,
    };
  }
}
