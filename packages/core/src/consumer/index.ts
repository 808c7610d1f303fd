/**
 * The stream consumer: takes a batch of ordered ingest records, per session restores where it left off,
 * drops chunks already seen, feeds the segmenter (and the live recognizer), runs each closed segment
 * through the pipeline exactly once, tells the speaker who is listening, and saves its state.
 */
import { pcmFromBase64, pcmFromBytes, pcmToBytes, samplesToMs } from "../audio/index.ts";
import { audienceOf, listenerCounts, listSessionConnections, removeConnection } from "../connection/index.ts";
import type { Audience } from "../connection/index.ts";
import type { Db } from "../db/index.ts";
import { expiresAt } from "../db/index.ts";
import type { Log } from "../log.ts";
import { type PipelineDeps, postAll, runSegment, segmentIdOf, type SegmentResult, type StageTimes } from "../pipeline/index.ts";
import type { IngestRecord, SpeechRecognizer } from "../ports.ts";
import { Segmenter, type SegmenterOptions, type SegmenterState } from "../segmenter/index.ts";
import { getSession, isConditionalFailure } from "../session/index.ts";
import { type Chunk, ChunkOrder, type ChunkOrderState } from "./chunk-order.ts";
import { LiveRecognition } from "./recognition.ts";

export interface ConsumerDeps extends Omit<PipelineDeps, "forgetConnection"> {
  db: Db;
  recognizer: SpeechRecognizer;
  segmenterOptions?: Partial<SegmenterOptions>;
  /** Called with each finished segment (benchmarks and tests observe the pipeline through it). */
  onSegment?: (sessionId: string, result: SegmentResult) => void;
}

/** Maps session audio offsets to the speaker's capture clock, from the latest chunk. */
interface CaptureClock {
  sample: number;
  capturedAt: number;
}

interface SavedState {
  order: ChunkOrderState;
  segmenter: SegmenterState;
  clock?: CaptureClock;
  pendingAudio?: Uint8Array;
  statusKey?: string;
  statusSentAt?: number;
  ended?: boolean;
}

const STATUS_INTERVAL_MS = 1000;

export class StreamConsumer {
  private readonly recognition: LiveRecognition;
  private readonly pipeline: PipelineDeps;
  /** The last interim text sent per session, so an unchanged hypothesis is not sent again. */
  private readonly lastInterim = new Map<string, string>();

  constructor(private readonly deps: ConsumerDeps) {
    this.recognition = new LiveRecognition(deps.recognizer, deps.log);
    this.pipeline = { ...deps, forgetConnection: (id) => removeConnection(deps.db, id).then(() => undefined) };
  }

  /** Processes one session's records, in order. Throws if the batch must be retried (nothing saved). */
  async consumeSession(sessionId: string, records: readonly IngestRecord[]): Promise<void> {
    const { db, log } = this.deps;
    const now = this.deps.now ?? Date.now;
    const session = await getSession(db, sessionId);
    if (!session) {
      log({ level: "warn", event: "consumer.unknown_session", sessionId, records: records.length });
      return;
    }
    const saved = await this.load(sessionId);
    if (saved?.ended) {
      log({ level: "info", event: "consumer.after_end", sessionId, records: records.length });
      return;
    }
    const segmenter = saved
      ? Segmenter.restore(
          { state: saved.segmenter, buffer: pcmFromBytes(saved.pendingAudio ?? new Uint8Array()) ?? new Int16Array() },
          this.deps.segmenterOptions,
        )
      : new Segmenter(this.deps.segmenterOptions);
    const order = new ChunkOrder(saved?.order);
    let clock = saved?.clock;
    let ended = false;
    let duplicates = 0;
    const closed: { times: StageTimes; sequenceNumber: number; startMs: number; endMs: number; transcribe: () => Promise<string> }[] = [];

    const handle = (events: ReturnType<Segmenter["push"]>, ingestedAt: number) => {
      for (const event of events) {
        if (event.type === "audio") {
          this.recognition.feed(sessionId, session.sourceLanguage, event.startSample, event.pcm);
        } else if (event.type === "discard") {
          this.recognition.drop(sessionId);
        } else {
          const { segment } = event;
          this.lastInterim.delete(sessionId);
          const capturedAt = clock ? clock.capturedAt + samplesToMs(segment.speechEndSample - clock.sample) : ingestedAt;
          closed.push({
            sequenceNumber: segment.sequenceNumber,
            startMs: samplesToMs(segment.startSample),
            endMs: samplesToMs(segment.endSample),
            times: { speechEndCapturedAt: Math.round(capturedAt), ingestedAt, closedAt: now() },
            transcribe: this.recognition.take(sessionId, session.sourceLanguage, segment),
          });
        }
      }
    };

    const process = (chunk: Chunk) => {
      const pcm = pcmFromBase64(chunk.audioData);
      if (!pcm) {
        // The ingest handler validates audio, so this is a foreign record: skip it, never block the stream.
        log({ level: "warn", event: "consumer.bad_audio", sessionId, chunkIndex: chunk.chunkIndex });
        return;
      }
      clock = { sample: segmenter.consumedSamples, capturedAt: chunk.capturedAt };
      handle(segmenter.push(pcm), chunk.ingestedAt);
    };

    for (const record of records) {
      if (record.kind === "end") {
        order.drain().forEach(process);
        handle(segmenter.flush(), record.ingestedAt);
        this.recognition.drop(sessionId);
        this.lastInterim.delete(sessionId);
        ended = true;
        break;
      }
      const accepted = order.accept(record);
      if (accepted.duplicate) duplicates++;
      if (accepted.skipped) log({ level: "warn", event: "consumer.chunks_missing", sessionId, skipped: accepted.skipped });
      accepted.ready.forEach(process);
    }
    if (duplicates > 0) log({ level: "info", event: "consumer.duplicate_chunks", sessionId, duplicates });

    // Who is connected is read only when this batch needs it (a segment closed, a new interim, a status
    // due, the end), once: most batches are 100 ms of audio that need nobody.
    let audienceQuery: Promise<Audience> | undefined;
    const audience = () => (audienceQuery ??= listSessionConnections(db, sessionId).then(audienceOf));
    let latencyMs: number | undefined;
    for (const job of closed) {
      const result = await runSegment(this.pipeline, {
        sessionId,
        sourceLanguage: session.sourceLanguage,
        targetLanguages: session.targetLanguages,
        audience: await audience(),
        ...job,
        claim: () => this.claim(sessionId, job.sequenceNumber),
      });
      if (result.times.notifiedAt && result.languages.length > 0) {
        latencyMs = result.times.notifiedAt - result.times.speechEndCapturedAt;
      }
      this.deps.onSegment?.(sessionId, result);
    }

    if (!ended && segmenter.isOpen) {
      await this.sendInterim(sessionId, session.sourceLanguage, segmenter, audience);
    }
    const status = await this.sendStatus(sessionId, audience, saved, latencyMs);
    if (ended) {
      const everyone = await audience();
      await postAll(this.pipeline, [...everyone.speakers, ...[...everyone.listenersByLanguage.values()].flat()], {
        type: "sessionEnded",
        sessionId,
      });
    }
    const snapshot = segmenter.snapshot();
    await this.save(sessionId, {
      order: order.snapshot(),
      segmenter: snapshot.state,
      pendingAudio: pcmToBytes(snapshot.buffer),
      clock,
      ...status,
      ended,
    });
  }

  close(): void {
    this.recognition.close();
  }

  /** The speaker sees the words of the open segment as they are recognized (interim, may be revised). */
  private async sendInterim(sessionId: string, language: string, segmenter: Segmenter, audience: () => Promise<Audience>) {
    const text = (await this.recognition.interim(sessionId))?.trim();
    if (!text || this.lastInterim.get(sessionId) === text) return;
    const { speakers } = await audience();
    if (speakers.length === 0) return;
    this.lastInterim.set(sessionId, text);
    const open = segmenter.openSegment!;
    await postAll(this.pipeline, speakers, {
      type: "transcript",
      sessionId,
      segmentId: segmentIdOf(sessionId, open.sequenceNumber),
      sequenceNumber: open.sequenceNumber,
      language,
      text,
      isFinal: false,
      startMs: Math.round(samplesToMs(open.startSample)),
      endMs: Math.round(samplesToMs(segmenter.consumedSamples)),
    });
  }

  /** The speaker hears who listens: on change, at most once a second. */
  private async sendStatus(sessionId: string, audience: () => Promise<Audience>, saved: SavedState | undefined, latencyMs?: number) {
    const unchanged = { statusKey: saved?.statusKey, statusSentAt: saved?.statusSentAt };
    const now = (this.deps.now ?? Date.now)();
    if (now - (saved?.statusSentAt ?? 0) < STATUS_INTERVAL_MS) return unchanged;
    const current = await audience();
    const counts = listenerCounts(current);
    const statusKey = JSON.stringify(Object.entries(counts).sort());
    if (statusKey === saved?.statusKey && latencyMs === undefined) return unchanged;
    await postAll(this.pipeline, current.speakers, { type: "sessionStatus", sessionId, listeners: counts, latencyMs });
    return { statusKey, statusSentAt: now };
  }

  private async claim(sessionId: string, sequenceNumber: number): Promise<boolean> {
    const claimedAt = Date.now();
    try {
      await this.deps.db.entities.segmentClaim
        .create({ sessionId, sequenceNumber, claimedAt, expiresAt: expiresAt(claimedAt) })
        .go();
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  private async load(sessionId: string): Promise<SavedState | undefined> {
    const { data } = await this.deps.db.entities.streamState.get({ sessionId }).go();
    if (!data) return undefined;
    return {
      order: data.order as ChunkOrderState,
      segmenter: data.segmenter as SegmenterState,
      clock: data.clock as CaptureClock | undefined,
      pendingAudio: data.pendingAudio as Uint8Array | undefined,
      statusKey: data.statusKey,
      statusSentAt: data.statusSentAt,
      ended: data.ended,
    };
  }

  private async save(sessionId: string, state: SavedState): Promise<void> {
    const updatedAt = Date.now();
    await this.deps.db.entities.streamState
      .put({ sessionId, ...state, updatedAt, expiresAt: expiresAt(updatedAt) })
      .go();
  }
}
