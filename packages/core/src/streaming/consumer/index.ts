/**
 * The stream consumer: takes one session's ordered records of a batch, restores where the session left off,
 * drops chunks already seen, feeds the segmenter (and the live recognizer), hands each closed segment to the
 * pipeline, tells the speaker who is listening, and writes the checkpoint once.
 *
 * Lambda may run consecutive batches of a session in different execution environments, frozen in between, so
 * memory is a cache and never the truth. The truth is the stream plus a checkpoint of a few KB (read strongly
 * consistent, written once per batch, conditional on the revision read). An environment whose memory is at the
 * checkpoint's revision carries on with its warm state and recognizer stream; any other rebuilds the open
 * segment's audio and the held chunks by reading their records back from the stream, and brings its recognizer
 * stream up to date (the audio it missed, or the open segment replayed into a new stream). Results never depend on
 * which environment got the batch.
 */
import { concatPcm, pcmFromBase64, samplesToMs } from "../../browser/audio/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import { type Db, expiresAt, isConditionalFailure } from "../../domain/db/index.ts";
import type { BindingQuota } from "../../domain/quotas/index.ts";
import { Session } from "../../domain/session/index.ts";
import { type PartOf, type PipelineDeps, postAll, postInterim, runSegment, type SegmentResult, type StageTimes } from "../pipeline/index.ts";
import type { IngestReplay, PositionedRecord, SpeechRecognizer, StreamPosition, VoiceActivityDetector } from "../../ports.ts";
import { type KeptVoiceStream, Segmenter, type SegmenterOptions, type SegmenterState } from "../segmenter/index.ts";
import { type Chunk, ChunkOrder, MAX_REORDER_WAIT_MS } from "./chunk-order.ts";
import { type LoadLevel, nextLoadLevel, shedAt } from "./load.ts";
import { LiveRecognition } from "./recognition.ts";
import { atClause, atPause, CLAUSE_OPENERS, type CommitRules, lastPart, mayEndAt, partsOf, type SegmentParts } from "./segment-parts.ts";
import { compareSequenceNumbers } from "./stream-position.ts";

export interface ConsumerDeps extends PipelineDeps {
  db: Db;
  recognizer: SpeechRecognizer;
  /** Reads records back from the stream when this environment lacks the open segment's audio. */
  replay: IngestReplay;
  segmenterOptions?: Partial<SegmenterOptions>;
  /** Decides speech frame by frame for the segmenter; without one it goes by frame energy. */
  voiceActivity?: VoiceActivityDetector;
  /** How long a missing chunk is waited for, in audio captured after it (default 1.5 s). */
  reorderWaitMs?: number;
  /** Called with each segment that sent something (benchmarks and tests observe the pipeline through it). */
  onSegment?: (sessionId: string, result: SegmentResult) => void;
}

/** Maps session audio offsets to the speaker's capture clock, from the latest chunk. */
interface CaptureClock {
  sample: number;
  capturedAt: number;
}

/** What the checkpoint stores: no audio, only where to find it in the stream. */
export interface Checkpoint {
  revision: number;
  order: { lastChunkIndex: number; held: number[]; skipped: [number, number][] };
  segmenter: SegmenterState;
  /** The segmenter's buffer is these chunks' audio, the first starting at `firstSample` of the session. */
  buffer: { firstSample: number; chunks: [number, number][] };
  /** Records to read back: from the oldest one whose audio is still needed through the last one consumed. */
  replay?: { shardId: string; from: string; through: string };
  clock?: CaptureClock;
  statusKey?: string;
  statusSentAt?: number;
  load?: LoadLevel["level"];
  /** What of the open segment went out in parts. */
  parts?: SegmentParts;
  ended?: boolean;
}

/** A chunk whose audio is (partly) in the segmenter's buffer. */
interface BufferedChunk {
  chunkIndex: number;
  position: StreamPosition;
  startSample: number;
  samples: number;
}

/** One session's state in this environment's memory: valid only at checkpoint revision `revision`. */
interface SessionMemory {
  revision: number;
  session: Session.Info;
  segmenter: Segmenter;
  order: ChunkOrder;
  buffered: BufferedChunk[];
  clock?: CaptureClock;
  through?: StreamPosition;
  statusKey?: string;
  statusSentAt?: number;
  lastInterim?: string;
  /** Behind real time: what is shed (see load.ts). Kept in the checkpoint so another environment sheds alike. */
  load: LoadLevel["level"];
  /** The lag measured at the start of the last batch (ms). */
  lagMs?: number;
  parts?: SegmentParts;
  /** When each AWS quota was last met delivering this session (this environment's view), and what the speaker was last told. */
  quotasMetAt?: Partial<Record<BindingQuota, number>>;
  quotasSent?: BindingQuota[];
  /** The speaker's connections as last read, and when: a new interim caption does not read the whole audience again. */
  speakers?: { ids: readonly string[]; at: number };
}

/** What a batch does once its audio is consumed, in the order it happened: commit a part at a pause, or close a segment. */
type BatchJob =
  | { kind: "pause"; sequenceNumber: number; segmentStartSample: number; atSample: number; times: StageTimes; words?: Promise<string> }
  | { kind: "close"; sequenceNumber: number; startSample: number; endSample: number; times: StageTimes; transcribe: () => Promise<string> };

/** The batch must be retried: a delivery failed and stays claimable. */
export class SegmentIncompleteError extends Error {
  override readonly name = "SegmentIncompleteError";
}

const STATUS_INTERVAL_MS = 1000;
/** A quota met this recently still binds, for the speaker's status. */
const QUOTA_BINDS_FOR_MS = 5000;

export class StreamConsumer {
  private readonly recognition: LiveRecognition;
  private readonly memory = new Map<string, SessionMemory>();

  constructor(private readonly deps: ConsumerDeps) {
    this.recognition = new LiveRecognition(deps.recognizer, deps.log, deps.measurements, deps.now);
  }

  /** Processes one session's records, in stream order. Throws if the batch must be retried (no checkpoint written). */
  async consumeSession(sessionId: string, records: readonly PositionedRecord[]): Promise<void> {
    const { log } = this.deps;
    const startedAt = Date.now();
    const checkpoint = await this.load(sessionId);
    if (checkpoint?.ended) {
      this.memory.delete(sessionId);
      this.recognition.end(sessionId);
      log({ level: "info", event: "consumer.after_end", sessionId, records: records.length });
      return;
    }
    let memory = this.memory.get(sessionId);
    // Whatever happens below, this environment's memory is only trusted again once the checkpoint is written.
    this.memory.delete(sessionId);
    const revision = checkpoint?.revision ?? 0;
    const warm = memory !== undefined && memory.revision === revision;
    if (!warm) {
      const session = memory?.session ?? (await Session.get(this.deps.db, sessionId));
      if (!session) {
        log({ level: "warn", event: "consumer.unknown_session", sessionId, records: records.length });
        return;
      }
      // The detector stream this environment kept from its last visit may spare replaying the whole open segment.
      memory = await this.rebuild(session, checkpoint, memory?.segmenter.keptVoice());
    }
    this.recognition.endQuiet(sessionId, memory!.segmenter.consumedSamples, warm);
    if (!warm) this.catchUpRecognition(memory!);
    const readyAt = Date.now();
    try {
      await this.consume(memory!, records, warm);
    } catch (error) {
      this.recognition.drop(sessionId);
      throw error;
    }
    log({ level: "debug", event: "consumer.batch_done", sessionId, records: records.length, warm, restoreMs: readyAt - startedAt, totalMs: Date.now() - startedAt });
  }

  close(): void {
    this.recognition.close();
    this.memory.clear();
  }

  private async consume(memory: SessionMemory, records: readonly PositionedRecord[], warm: boolean): Promise<void> {
    const { db, log, measurements } = this.deps;
    const now = this.deps.now ?? Date.now;
    const { session, segmenter, order } = memory;
    const sessionId = session.sessionId;
    let ended = false;
    let duplicates = 0;
    let late = 0;
    let reordered = 0;
    const jobs: BatchJob[] = [];
    const loadChanged = this.measureLoad(memory, records, now());

    /** When the speech ending at `speechEndSample` was captured, by the speaker's clock as the latest chunk set it. */
    const timesAt = (speechEndSample: number, ingestedAt: number): StageTimes => {
      const clock = memory.clock;
      const capturedAt = clock ? clock.capturedAt + samplesToMs(speechEndSample - clock.sample) : ingestedAt;
      return { speechEndCapturedAt: Math.round(capturedAt), ingestedAt, closedAt: now() };
    };
    let lastIngestedAt = now();
    const handle = (events: Awaited<ReturnType<Segmenter["push"]>>, ingestedAt: number) => {
      lastIngestedAt = ingestedAt;
      for (const event of events) {
        if (event.type === "audio") {
          this.recognition.feed(sessionId, session.sourceLanguage, event.startSample, event.pcm, event.segmentStartSample);
        } else if (event.type === "pause") {
          const { sequenceNumber, segmentStartSample, atSample } = event;
          const words = this.recognition.pause(sessionId, segmentStartSample, atSample);
          jobs.push({ kind: "pause", sequenceNumber, segmentStartSample, atSample, times: timesAt(event.speechEndSample, ingestedAt), words });
        } else if (event.type === "discard") {
          this.recognition.abandonSegment(sessionId);
        } else {
          const { segment } = event;
          memory.lastInterim = undefined;
          jobs.push({
            kind: "close",
            sequenceNumber: segment.sequenceNumber,
            startSample: segment.startSample,
            endSample: segment.endSample,
            times: timesAt(segment.speechEndSample, ingestedAt),
            transcribe: this.recognition.take(sessionId, session.sourceLanguage, segment),
          });
        }
      }
    };

    const process = async (chunk: Chunk) => {
      const pcm = pcmFromBase64(chunk.audioData);
      if (!pcm) {
        // The ingest handler validates audio, so this is a foreign record: skip it, never block the stream.
        log({ level: "warn", event: "consumer.bad_audio", sessionId, chunkIndex: chunk.chunkIndex });
        return;
      }
      const startSample = segmenter.consumedSamples;
      memory.clock = { sample: startSample, capturedAt: chunk.capturedAt };
      memory.buffered.push({ chunkIndex: chunk.chunkIndex, position: chunk.position, startSample, samples: pcm.length });
      handle(await segmenter.push(pcm), chunk.ingestedAt);
      const keepFrom = segmenter.bufferStartSample;
      while (memory.buffered[0] && memory.buffered[0].startSample + memory.buffered[0].samples <= keepFrom) memory.buffered.shift();
    };

    for (const record of records) {
      memory.through = record.position;
      if (record.kind === "end") {
        for (const chunk of order.drain()) await process(chunk);
        handle(segmenter.flush(), record.ingestedAt);
        this.recognition.end(sessionId);
        ended = true;
        break;
      }
      const accepted = order.accept(record);
      if (accepted.duplicate) duplicates++;
      if (accepted.late) late++;
      if (accepted.skipped) {
        log({ level: "warn", event: "consumer.chunks_skipped", sessionId, skipped: accepted.skipped, waitedMs: this.deps.reorderWaitMs ?? MAX_REORDER_WAIT_MS });
        measurements?.count("ChunksSkipped", accepted.skipped);
      }
      // A chunk that arrives after its successors releases them: they waited for it.
      if (accepted.ready.length > 1 || (accepted.ready.length === 1 && accepted.ready[0] !== record)) reordered += accepted.ready.length - 1;
      for (const chunk of accepted.ready) await process(chunk);
    }
    if (segmenter.replayedVoiceFrames > 0 && !warm) measurements?.count("VoiceFramesReplayed", segmenter.replayedVoiceFrames);
    if (duplicates > 0) log({ level: "info", event: "consumer.duplicate_chunks", sessionId, duplicates });
    if (reordered > 0) {
      log({ level: "info", event: "consumer.chunks_reordered", sessionId, reordered });
      measurements?.count("ChunksReordered", reordered);
    }
    if (late > 0) {
      log({ level: "warn", event: "consumer.late_chunks_dropped", sessionId, late });
      measurements?.count("LateChunksDropped", late);
    }

    // Who is connected is read only when this batch needs it (a segment closed, a new interim, a status
    // due, the end), once: most batches are 100 ms of audio that need nobody.
    let audienceQuery: Promise<Audience> | undefined;
    const audience = () =>
      (audienceQuery ??= Audience.of(db, sessionId).then((read) => {
        memory.speakers = { ids: read.speakers, at: now() };
        return read;
      }));
    let latencyMs: number | undefined;
    let incomplete = 0;
    const segmentJob = (sequenceNumber: number, startSample: number, endSample: number, text: string, times: StageTimes) => ({
      sessionId,
      sourceLanguage: session.sourceLanguage,
      targetLanguages: session.targetLanguages,
      sequenceNumber,
      startMs: samplesToMs(startSample),
      endMs: samplesToMs(endSample),
      text,
      times,
      revision: memory.revision,
      shedAudio: memory.load >= 2,
      glossary: session.glossary,
    });
    /** Where a part of the open segment starting at `segmentStartSample` may end. */
    const commitRules = (segmentStartSample: number): CommitRules => ({
      terms: (session.glossary ?? []).map((entry) => entry.term),
      openers: CLAUSE_OPENERS[session.sourceLanguage],
      endBy: segmenter.cutWindowStart(segmentStartSample),
    });
    const delivered = (result: SegmentResult) => {
      if (result.incomplete) incomplete++;
      for (const quota of result.quotas ?? []) (memory.quotasMetAt ??= {})[quota] = now();
      if (!result.part && result.times.notifiedAt && result.languages.some((l) => l.notifiedAt)) {
        latencyMs = result.times.notifiedAt - result.times.speechEndCapturedAt;
      }
      if (result.sent) this.deps.onSegment?.(sessionId, result);
    };
    /** The listeners that take parts, as the audience of a part; none, or nobody to send a part to. */
    const partAudience = async () => {
      const parts = Audience.ofParts(await audience());
      return parts.listenersByLanguage.size > 0 ? parts : undefined;
    };
    const sendPart = async (job: ReturnType<typeof segmentJob>, index: number, committedAt: PartOf["committedAt"]) => {
      const parts = await partAudience();
      if (parts) delivered(await runSegment(this.deps, { ...job, audience: parts, part: { index, last: committedAt === "close", committedAt } }));
    };
    // Segments closed together (a batch that caught up) are transcribed side by side; everything is delivered in order.
    const transcriptions = new Map(jobs.flatMap((job) => (job.kind === "close" ? [[job, job.transcribe()] as const] : [])));
    for (const t of transcriptions.values()) t.catch(() => undefined);
    for (const job of jobs) {
      if (job.kind === "pause") {
        // Behind real time, parts are shed with the interims; with nobody taking parts, the batch does not wait for
        // the phrase's final words. Either way the rest of the segment goes out when it closes (no later pause of it
        // commits, as those words would follow the skipped ones).
        const shed = memory.load >= 1;
        if (shed || !(await partAudience())) {
          memory.parts = { ...partsOf(memory.parts, job.sequenceNumber, job.segmentStartSample), broken: true };
          if (shed) measurements?.count("PartsShed");
          continue;
        }
        const rules = commitRules(job.segmentStartSample);
        // (Words that cannot be committed here are not waited for.)
        const words = mayEndAt(rules, job.atSample) ? await job.words?.catch(() => undefined) : undefined;
        const decision = atPause(partsOf(memory.parts, job.sequenceNumber, job.segmentStartSample), words, job.atSample, rules);
        memory.parts = decision.state;
        if (decision.commit) {
          const times = { ...job.times, transcribedAt: now() };
          await sendPart(segmentJob(job.sequenceNumber, decision.startSample, decision.endSample, decision.text, times), decision.index, "pause");
        }
        continue;
      }
      const text = await transcriptions.get(job)!;
      const times = { ...job.times, transcribedAt: now() };
      this.deps.probe?.("segment.transcribed", { sessionId, sequenceNumber: job.sequenceNumber });
      const parts = partsOf(memory.parts, job.sequenceNumber, job.startSample);
      const last = lastPart(parts, text);
      memory.parts = undefined;
      if (!last.exact) {
        log({ level: "info", event: "parts.text_changed", sessionId, sequenceNumber: job.sequenceNumber, text });
        measurements?.count("PartsTextChanged");
      }
      // Words already sent in parts are not revised: the segment says what its parts said, then the rest.
      const said = parts.committed.length > 0 ? [...parts.committed, last.text].filter((t) => t.length > 0).join(" ") : text;
      const whole = segmentJob(job.sequenceNumber, job.startSample, job.endSample, said, times);
      // The segment and its last part go to different people (the speaker and whole-segment listeners; listeners that
      // take parts): side by side, so neither waits for the other.
      await Promise.all([
        runSegment(this.deps, { ...whole, audience: await audience(), keepTranscript: session.keepTranscript }).then(delivered),
        last.text ? sendPart({ ...whole, startMs: samplesToMs(last.startSample), text: last.text }, last.index, "close") : undefined,
      ]);
    }
    // A long phrase goes out clause by clause while the speaker goes on (not behind real time). An environment that
    // only now got the session back goes by what its stream has decoded so far: it does not wait for the catch-up.
    const speaking = segmenter.openSegment;
    if (!ended && speaking && memory.load < 1) {
      const heard = await this.recognition.phraseWords(sessionId, speaking.startSample, warm);
      const state = partsOf(memory.parts, speaking.sequenceNumber, speaking.startSample);
      const decision = heard ? atClause(state, heard, speaking.startSample, commitRules(speaking.startSample)) : undefined;
      if (decision?.commit && (await partAudience())) {
        memory.parts = decision.state;
        measurements?.count("ClauseParts");
        const times = { ...timesAt(decision.endSample, lastIngestedAt), transcribedAt: now() };
        await sendPart(segmentJob(speaking.sequenceNumber, decision.startSample, decision.endSample, decision.text, times), decision.index, "clause");
      }
    }
    if (incomplete > 0) {
      measurements?.count("BatchesRetried");
      throw new SegmentIncompleteError(`${incomplete} segment(s) of ${sessionId} not fully delivered; the batch is retried`);
    }

    const open = segmenter.openSegment;
    if (!ended && open && memory.load >= 1) {
      measurements?.count("InterimsShed");
    } else if (!ended && open) {
      // After a rebuild the stream may be seconds of replayed audio behind: the batch does not wait for it.
      const text = (await this.recognition.interim(sessionId, warm))?.trim();
      if (text && text !== memory.lastInterim) {
        // The speaker's connections as read within the status interval (a status due reads them again).
        const known = memory.speakers && now() - memory.speakers.at < STATUS_INTERVAL_MS ? memory.speakers.ids : undefined;
        const speakers = known ?? (await audience()).speakers;
        if (speakers.length > 0) {
          memory.lastInterim = text;
          await postInterim(this.deps, {
            sessionId,
            speakers,
            sequenceNumber: open.sequenceNumber,
            language: session.sourceLanguage,
            text,
            startMs: samplesToMs(open.startSample),
            endMs: samplesToMs(segmenter.consumedSamples),
          });
        }
      }
    }
    await this.sendStatus(memory, audience, latencyMs, loadChanged);
    if (ended) {
      const everyone = await audience();
      await postAll(this.deps, Audience.everyone(everyone), {
        type: "sessionEnded",
        sessionId,
      });
    }
    await this.save(memory, ended);
    if (!ended) this.memory.set(sessionId, memory);
  }

  /**
   * After a rebuild the recognizer stream catches up with the open segment: a stream this environment kept from an
   * earlier visit gets only the audio it missed of the open segment, or, when it was hearing another segment (closed
   * elsewhere since) or none, the open segment so far, in the same request; with no stream kept, the open segment
   * is replayed into a new one. Each environment decodes a segment at most once, while the speaker talks, so
   * whichever closes it has the final text moments after the pause. (Under random routing that is up to one stream
   * per environment and session: the benchmark counts the requests.)
   */
  private catchUpRecognition(memory: SessionMemory): void {
    const { sessionId, sourceLanguage } = memory.session;
    const open = memory.segmenter.openSegment;
    if (!open || open.emittedSample <= open.startSample) {
      this.recognition.abandonSegment(sessionId);
      return;
    }
    const stream = this.recognition.heard(sessionId, open.startSample);
    const heard = stream !== undefined && stream <= open.emittedSample ? stream : undefined;
    if (heard === undefined) this.recognition.abandonSegment(sessionId);
    const from = heard ?? open.startSample;
    if (from === open.emittedSample) return;
    this.recognition.feedWithPauses(sessionId, sourceLanguage, from, memory.segmenter.audioBetween(from, open.emittedSample), open.startSample, open.pauses);
    if (heard === undefined) {
      this.deps.log({ level: "info", event: "recognition.replayed", sessionId, audioMs: Math.round(samplesToMs(open.emittedSample - from)) });
      this.deps.measurements?.count("RecognizerReplays");
    } else {
      this.deps.log({ level: "debug", event: "recognition.caught_up", sessionId, audioMs: Math.round(samplesToMs(open.emittedSample - from)) });
    }
  }

  /**
   * Measures how far behind this batch starts (the newest chunk's ingest to now) and moves the load level; logs,
   * counts and returns whether it changed.
   */
  private measureLoad(memory: SessionMemory, records: readonly PositionedRecord[], now: number): boolean {
    const newest = records.reduce((t, r) => (r.kind === "chunk" ? Math.max(t, r.ingestedAt) : t), 0);
    if (newest === 0) return false;
    const lagMs = Math.max(0, now - newest);
    memory.lagMs = lagMs;
    const level = nextLoadLevel(memory.load, lagMs);
    if (level === memory.load) return false;
    const sessionId = memory.session.sessionId;
    this.deps.log({ level: level > memory.load ? "warn" : "info", event: "consumer.load", sessionId, lagMs, from: memory.load, to: level, shedding: shedAt(level) });
    if (level > memory.load) this.deps.measurements?.count("OverloadEntered");
    memory.load = level;
    return true;
  }

  /**
   * The speaker hears who listens (on change, at most once a second) and, at once, when the load level moves or the
   * quotas that bind change. Who listens is read (a Query of the session's connections) only when a status is due:
   * `statusSentAt` moves whenever one was due, sent or not, so an unchanged audience is read once a second, not
   * every batch.
   */
  private async sendStatus(memory: SessionMemory, audience: () => Promise<Audience>, latencyMs?: number, loadChanged = false) {
    const now = (this.deps.now ?? Date.now)();
    const quotas = (Object.entries(memory.quotasMetAt ?? {}) as [BindingQuota, number][]).filter(([, at]) => now - at < QUOTA_BINDS_FOR_MS).map(([quota]) => quota).sort();
    const quotasChanged = quotas.join() !== (memory.quotasSent ?? []).join();
    const urgent = loadChanged || quotasChanged;
    if (!urgent && now - (memory.statusSentAt ?? 0) < STATUS_INTERVAL_MS) return;
    memory.statusSentAt = now;
    const current = await audience();
    const counts = Audience.listenerCounts(current);
    const statusKey = JSON.stringify(Object.entries(counts).sort());
    if (!urgent && memory.load === 0 && quotas.length === 0 && statusKey === memory.statusKey && latencyMs === undefined) return;
    const load = memory.load > 0 || loadChanged ? { overloaded: memory.load > 0, lagMs: memory.lagMs, shedding: shedAt(memory.load) } : {};
    const binding = quotas.length > 0 || quotasChanged ? { quotas } : {};
    await postAll(this.deps, current.speakers, { type: "sessionStatus", sessionId: memory.session.sessionId, listeners: counts, latencyMs, ...load, ...binding });
    memory.statusKey = statusKey;
    memory.quotasSent = quotas;
  }

  /** This environment lacks the session's state at the checkpoint: rebuild it from the checkpoint and the stream. */
  private async rebuild(session: Session.Info, checkpoint: Checkpoint | undefined, keptVoice?: KeptVoiceStream): Promise<SessionMemory> {
    const { sessionId } = session;
    const reorderWaitMs = this.deps.reorderWaitMs ?? MAX_REORDER_WAIT_MS;
    if (!checkpoint) {
      return {
        revision: 0,
        session,
        segmenter: new Segmenter(this.deps.segmenterOptions, undefined, undefined, this.deps.voiceActivity),
        order: new ChunkOrder({}, reorderWaitMs),
        buffered: [],
        load: 0,
      };
    }
    const startedAt = Date.now();
    const records = checkpoint.replay
      ? await this.deps.replay.read(
          sessionId,
          { shardId: checkpoint.replay.shardId, sequenceNumber: checkpoint.replay.from },
          { shardId: checkpoint.replay.shardId, sequenceNumber: checkpoint.replay.through },
        )
      : [];
    const byIndex = new Map<number, Chunk>();
    for (const record of records) if (record.kind === "chunk" && !byIndex.has(record.chunkIndex)) byIndex.set(record.chunkIndex, record);
    const find = (chunkIndex: number) => {
      const chunk = byIndex.get(chunkIndex);
      if (!chunk) throw new Error(`replay of ${sessionId} did not find chunk ${chunkIndex} between the checkpoint's stream positions`);
      return chunk;
    };

    const buffered: BufferedChunk[] = [];
    const pieces: Int16Array[] = [];
    let sample = checkpoint.buffer.firstSample;
    for (const [first, last] of checkpoint.buffer.chunks) {
      for (let chunkIndex = first; chunkIndex <= last; chunkIndex++) {
        const chunk = find(chunkIndex);
        const pcm = pcmFromBase64(chunk.audioData) ?? new Int16Array();
        buffered.push({ chunkIndex, position: chunk.position, startSample: sample, samples: pcm.length });
        pieces.push(pcm);
        sample += pcm.length;
      }
    }
    const state = checkpoint.segmenter;
    if (sample !== state.consumedSamples) {
      throw new Error(`replay of ${sessionId} rebuilt audio up to sample ${sample}, the checkpoint says ${state.consumedSamples}`);
    }
    const buffer = concatPcm(pieces).subarray(state.bufferStartSample - checkpoint.buffer.firstSample).slice();
    const segmenter = Segmenter.restore({ state, buffer }, this.deps.segmenterOptions, this.deps.voiceActivity, keptVoice);
    const order = new ChunkOrder(
      { lastChunkIndex: checkpoint.order.lastChunkIndex, held: checkpoint.order.held.map(find), skipped: checkpoint.order.skipped },
      reorderWaitMs,
    );
    this.deps.log({
      level: "info",
      event: "consumer.replayed",
      sessionId,
      revision: checkpoint.revision,
      records: records.length,
      audioMs: Math.round(samplesToMs(state.consumedSamples - checkpoint.buffer.firstSample)),
      held: checkpoint.order.held.length,
      durationMs: Date.now() - startedAt,
    });
    this.deps.measurements?.count("StreamReplays");
    return {
      revision: checkpoint.revision,
      session,
      segmenter,
      order,
      buffered,
      clock: checkpoint.clock,
      through: checkpoint.replay ? { shardId: checkpoint.replay.shardId, sequenceNumber: checkpoint.replay.through } : undefined,
      statusKey: checkpoint.statusKey,
      statusSentAt: checkpoint.statusSentAt,
      load: checkpoint.load ?? 0,
      parts: checkpoint.parts,
    };
  }

  private async load(sessionId: string): Promise<Checkpoint | undefined> {
    // Strongly consistent: the previous batch, perhaps in another environment, wrote it moments ago.
    const { data } = await this.deps.db.entities.streamState.get({ sessionId }).go({ consistent: true });
    if (!data) return undefined;
    return {
      revision: data.revision,
      order: data.order as Checkpoint["order"],
      segmenter: data.segmenter as SegmenterState,
      buffer: data.buffer as Checkpoint["buffer"],
      replay: data.replay as Checkpoint["replay"],
      clock: data.clock as CaptureClock | undefined,
      statusKey: data.statusKey,
      statusSentAt: data.statusSentAt,
      load: data.load as LoadLevel["level"] | undefined,
      parts: data.parts as SegmentParts | undefined,
      ended: data.ended,
    };
  }

  /** Writes the checkpoint, conditional on the revision this batch started from, and advances the memory to it. */
  private async save(memory: SessionMemory, ended: boolean): Promise<void> {
    const checkpoint = checkpointOf(memory, ended);
    const updatedAt = Date.now();
    const item = { sessionId: memory.session.sessionId, ...checkpoint, updatedAt, expiresAt: expiresAt(updatedAt) };
    const expected = memory.revision;
    try {
      if (expected === 0) await this.deps.db.entities.streamState.create(item).go();
      else await this.deps.db.entities.streamState.put(item).where(({ revision }, { eq }) => eq(revision, expected)).go();
    } catch (error) {
      if (isConditionalFailure(error)) {
        this.deps.log({ level: "warn", event: "consumer.checkpoint_moved", sessionId: memory.session.sessionId, expected });
        this.deps.measurements?.count("CheckpointConflicts");
      }
      throw error;
    }
    const bytes = checkpointBytes(item);
    this.deps.measurements?.count("CheckpointWrites");
    this.deps.measurements?.count("CheckpointBytes", bytes);
    this.deps.measurements?.count("CheckpointWriteUnits", Math.ceil(bytes / 1024));
    memory.revision = checkpoint.revision;
  }
}

function checkpointOf(memory: SessionMemory, ended: boolean): Checkpoint {
  const held = memory.order.held;
  const positions = [...memory.buffered.map((b) => b.position), ...held.map((h) => h.position)];
  const oldest = positions.reduce<StreamPosition | undefined>(
    (min, p) => (!min || compareSequenceNumbers(p.sequenceNumber, min.sequenceNumber) < 0 ? p : min),
    undefined,
  );
  const through = memory.through;
  const chunks: [number, number][] = [];
  for (const { chunkIndex } of memory.buffered) {
    const last = chunks.at(-1);
    if (last && last[1] === chunkIndex - 1) last[1] = chunkIndex;
    else chunks.push([chunkIndex, chunkIndex]);
  }
  const snapshot = memory.order.snapshot();
  return {
    revision: memory.revision + 1,
    order: { lastChunkIndex: snapshot.lastChunkIndex, held: held.map((h) => h.chunkIndex), skipped: snapshot.skipped },
    segmenter: memory.segmenter.stateSnapshot(),
    buffer: { firstSample: memory.buffered[0]?.startSample ?? memory.segmenter.consumedSamples, chunks },
    replay: oldest && through ? { shardId: oldest.shardId, from: oldest.sequenceNumber, through: through.sequenceNumber } : undefined,
    clock: memory.clock,
    statusKey: memory.statusKey,
    statusSentAt: memory.statusSentAt,
    load: memory.load || undefined,
    parts: memory.parts,
    ended,
  };
}

/** DynamoDB's item size, closely enough for write units: attribute names and values as stored. */
export function checkpointBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));
  }
  return bytes;
}
