/**
 * The stream consumer: takes one session's ordered records of a batch, restores where the session left off
 * (checkpoint.ts, rebuild.ts), drops chunks already seen, feeds the segmenter and the live recognizer, delivers what
 * the batch committed (part-delivery.ts), tells the speaker how it goes (speaker-status.ts), and writes the
 * checkpoint once. Results never depend on which execution environment got the batch.
 */
import { pcmFromBase64 } from "../../audio/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import type { Db } from "../../domain/db/index.ts";
import type { CustomVocabularies, PositionedRecord, SpeechRecognizer } from "../../ports/index.ts";
import { compareSequenceNumbers } from "../../ports/stream-position.ts";
import { announceEnd } from "../pipeline/index.ts";
import type { Segmenter } from "../segmenter/index.ts";
import { Checkpoint, type WarmSession } from "./checkpoint.ts";
import { type Chunk, endsNow, MAX_REORDER_WAIT_MS } from "./chunk-order.ts";
import { measureOverload } from "./overload.ts";
import { PartDecision } from "./part-decision.ts";
import { type BatchJob, PartDelivery, type PartDeliveryDeps, timesAt } from "./part-delivery.ts";
import { type RebuildDeps, restore } from "./rebuild.ts";
import { LiveRecognition } from "./recognition.ts";
import { batchAudience, sendInterim, sendStatus, tellIndexReused } from "./speaker-status.ts";

export { Checkpoint } from "./checkpoint.ts";
export { LiveRecognition } from "./recognition.ts";
export { atClause, atPause, CLAUSE_OPENERS, type CommitRules, lastPart, mayEndAt, partsOf, type SegmentParts } from "./segment-parts.ts";

export interface ConsumerDeps extends PartDeliveryDeps, RebuildDeps {
  db: Db;
  recognizer: SpeechRecognizer;
  /**
   * The session's custom vocabulary at the recognizer service, once ready (Amazon Transcribe's); none where the
   * recognizer adds a glossary's words itself (pocketsphinx). Deleted once the session's last segment is through.
   */
  vocabularies?: Pick<CustomVocabularies, "ready" | "delete">;
  /**
   * How long (server time) an end waits for the chunks the speaker sent before it (default `MAX_END_WAIT_MS`): a
   * record that arrives this long after the end without them ends the session with what came, the rest counted lost.
   */
  endWaitMs?: number;
}

/** The batch must be retried by newer code: the checkpoint was written in a schema this code does not know. */
export class CheckpointFromNewerCodeError extends Error {
  override readonly name = "CheckpointFromNewerCodeError";
}

/** The batch must be retried: a delivery failed and stays claimable. */
export class SegmentIncompleteError extends Error {
  override readonly name = "SegmentIncompleteError";
}

export class StreamConsumer {
  private readonly recognition: LiveRecognition;
  private readonly checkpoints: Checkpoint.Entity;
  private readonly partDecisions: PartDecision.Entity;
  /** Sessions this environment holds warm, each valid only at its checkpoint revision. */
  private readonly warm = new Map<string, WarmSession>();

  constructor(private readonly deps: ConsumerDeps) {
    this.recognition = new LiveRecognition(deps.recognizer, deps.log, deps.measurements, deps.now, deps.sleep);
    this.checkpoints = Checkpoint.entity(deps.db.config);
    this.partDecisions = PartDecision.entity(deps.db.config);
  }

  /** Processes one session's records, in stream order. Throws if the batch must be retried (no checkpoint written). */
  async consumeSession(sessionId: string, records: readonly PositionedRecord[]): Promise<void> {
    const { log } = this.deps;
    const startedAt = Date.now();
    const checkpoint = await Checkpoint.read(this.checkpoints, sessionId);
    if (checkpoint && Checkpoint.isNewer(checkpoint)) {
      this.warm.delete(sessionId);
      log({ level: "warn", event: "consumer.checkpoint_newer", sessionId, schema: checkpoint.schema, known: Checkpoint.SCHEMA });
      this.deps.measurements?.count("CheckpointsFromNewerCode");
      throw new CheckpointFromNewerCodeError(`checkpoint of ${sessionId} has schema ${checkpoint.schema}, this code knows up to ${Checkpoint.SCHEMA}: retried later`);
    }
    const kept = this.warm.get(sessionId);
    // Whatever happens below, this environment's state is only trusted again once the checkpoint is written.
    this.warm.delete(sessionId);
    if (checkpoint?.ended) {
      this.recognition.end(sessionId);
      log({ level: "info", event: "consumer.after_end", sessionId, records: records.length });
      return;
    }
    const restored = await restore(this.deps, this.recognition, sessionId, checkpoint, kept);
    if (!restored) {
      log({ level: "warn", event: "consumer.unknown_session", sessionId, records: records.length });
      return;
    }
    const { warm, stayedWarm } = restored;
    const readyAt = Date.now();
    try {
      await this.consume(warm, records, stayedWarm);
    } catch (error) {
      this.recognition.drop(sessionId);
      throw error;
    }
    log({ level: "debug", event: "consumer.batch_done", sessionId, records: records.length, warm: stayedWarm, restoreMs: readyAt - startedAt, totalMs: Date.now() - startedAt });
  }

  close(): void {
    this.recognition.close();
    this.warm.clear();
  }

  /** One batch: the records through the segmenter, then what it committed out, the speaker told, the checkpoint written. */
  private async consume(warm: WarmSession, records: readonly PositionedRecord[], stayedWarm: boolean): Promise<void> {
    const { log, measurements } = this.deps;
    const now = this.deps.now ?? Date.now;
    const { session, segmenter, order } = warm;
    const sessionId = session.sessionId;
    let ended = false;
    /** Chunks the speaker sent before its end that never came: the session ended without them. */
    let chunksLost = 0;
    let duplicates = 0;
    let reused = 0;
    let late = 0;
    let reordered = 0;
    const jobs: BatchJob[] = [];
    const overloadChanged = measureOverload(this.deps, sessionId, warm, records, now());

    let lastIngestedAt = now();
    const handle = (events: Awaited<ReturnType<Segmenter["push"]>>, ingestedAt: number) => {
      lastIngestedAt = ingestedAt;
      for (const event of events) {
        if (event.type === "audio") {
          this.recognition.feed(sessionId, session.sourceLanguage, event.startSample, event.pcm, event.segmentStartSample, warm.vocabulary);
        } else if (event.type === "pause") {
          const { sequenceNumber, segmentStartSample, atSample } = event;
          const words = this.recognition.pause(sessionId, segmentStartSample, atSample);
          jobs.push({ kind: "pause", sequenceNumber, segmentStartSample, atSample, times: timesAt(warm.clock, event.speechEndSample, ingestedAt, now()), words });
        } else if (event.type === "discard") {
          this.recognition.abandonSegment(sessionId);
        } else {
          const { segment } = event;
          warm.lastInterim = undefined;
          jobs.push({
            kind: "close",
            sequenceNumber: segment.sequenceNumber,
            startSample: segment.startSample,
            endSample: segment.endSample,
            times: timesAt(warm.clock, segment.speechEndSample, ingestedAt, now()),
            transcribe: this.recognition.take(sessionId, session.sourceLanguage, segment, warm.vocabulary),
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
      warm.clock = { sample: startSample, capturedAt: chunk.capturedAt };
      warm.buffered.push({ chunkIndex: chunk.chunkIndex, position: chunk.position, startSample, samples: pcm.length });
      handle(await segmenter.push(pcm), chunk.ingestedAt);
      const keepFrom = segmenter.bufferStartSample;
      while (warm.buffered[0] && warm.buffered[0].startSample + warm.buffered[0].samples <= keepFrom) warm.buffered.shift();
    };

    for (const record of records) {
      // A redelivered batch brings records already consumed: the replay range never moves back to them.
      if (!warm.through || compareSequenceNumbers(record.position.sequenceNumber, warm.through.sequenceNumber) > 0) warm.through = record.position;
      if (record.kind === "end") {
        // A repeated end (the speaker app asks again while it waits) does not restart the wait: it measures it.
        warm.ending ??= { lastChunkIndex: record.lastChunkIndex, ingestedAt: record.ingestedAt };
      } else {
        const accepted = order.accept(record);
        if (accepted.duplicate && order.reusedIndex(record, warm.clock?.capturedAt)) reused++;
        else if (accepted.duplicate) duplicates++;
        if (accepted.late) late++;
        if (accepted.skipped) {
          log({ level: "warn", event: "consumer.chunks_skipped", sessionId, skipped: accepted.skipped, waitedMs: this.deps.reorderWaitMs ?? MAX_REORDER_WAIT_MS });
          measurements?.count("ChunksSkipped", accepted.skipped);
        }
        // A chunk that arrives after its successors releases them: they waited for it.
        if (accepted.ready.length > 1 || (accepted.ready.length === 1 && accepted.ready[0] !== record)) reordered += accepted.ready.length - 1;
        for (const chunk of accepted.ready) await process(chunk);
      }
      if (warm.ending && endsNow(warm.ending, order, record.ingestedAt, this.deps.endWaitMs)) {
        const missing = warm.ending.lastChunkIndex === undefined ? 0 : order.missingThrough(warm.ending.lastChunkIndex);
        chunksLost = missing;
        for (const chunk of order.drain()) await process(chunk);
        if (missing > 0) {
          log({ level: "warn", event: "consumer.end_without_chunks", sessionId, missing, lastChunkIndex: warm.ending.lastChunkIndex });
          measurements?.count("ChunksSkipped", missing);
        }
        handle(segmenter.flush(), warm.ending.ingestedAt);
        this.recognition.end(sessionId);
        ended = true;
        break;
      }
    }
    if (warm.ending && !ended) log({ level: "info", event: "consumer.end_held", sessionId, lastChunkIndex: warm.ending.lastChunkIndex, nextChunkIndex: order.nextChunkIndex });
    if (segmenter.replayedVoiceFrames > 0 && !stayedWarm) measurements?.count("VoiceFramesReplayed", segmenter.replayedVoiceFrames);
    if (duplicates > 0) log({ level: "info", event: "consumer.duplicate_chunks", sessionId, duplicates });
    if (reused > 0) {
      log({ level: "warn", event: "consumer.chunk_index_reused", sessionId, chunks: reused, nextChunkIndex: order.nextChunkIndex });
      measurements?.count("ChunkIndexesReused", reused);
    }
    if (reordered > 0) {
      log({ level: "info", event: "consumer.chunks_reordered", sessionId, reordered });
      measurements?.count("ChunksReordered", reordered);
    }
    if (late > 0) {
      log({ level: "warn", event: "consumer.late_chunks_dropped", sessionId, late });
      measurements?.count("LateChunksDropped", late);
    }

    const audience = batchAudience(this.deps.db, sessionId, warm, this.deps.now);
    const delivery = new PartDelivery(this.deps, this.recognition, warm, audience, this.partDecisions);
    await delivery.deliver(jobs);
    // An environment that only now got the session back does not wait for its recognizer to catch up.
    if (!ended) await delivery.atClause(stayedWarm, lastIngestedAt);
    if (delivery.incomplete > 0) {
      measurements?.count("BatchesRetried");
      throw new SegmentIncompleteError(`${delivery.incomplete} segment(s) of ${sessionId} not fully delivered; the batch is retried`);
    }

    if (!ended && segmenter.openSegment && warm.overload >= 1) measurements?.count("InterimsShed");
    else if (!ended) await sendInterim(this.deps, this.recognition, warm, audience, stayedWarm);
    await sendStatus(this.deps, warm, audience, delivery.latencyMs, overloadChanged);
    if (reused > 0) await tellIndexReused(this.deps, warm, audience);
    if (ended) await announceEnd(this.deps, Audience.everyone(await audience()), session, chunksLost);
    await Checkpoint.write(this.checkpoints, this.deps, warm, ended);
    if (!ended) this.warm.set(sessionId, warm);
    // After the checkpoint: a retried batch finds the session ended, and no stream of it starts again. A vocabulary
    // left behind by a failure here is deleted when it expires (see CustomVocabularies.deleteExpired).
    if (ended && warm.vocabulary) {
      await this.deps.vocabularies?.delete(sessionId).catch((error: unknown) => {
        log({ level: "warn", event: "vocabulary.delete_failed", sessionId, error: (error as Error).message });
      });
    }
  }
}
