/**
 * An environment whose memory is not at the checkpoint's revision rebuilds the session: the open segment's audio and
 * the held chunks are read back from the stream, and its recognizer stream is brought up to date, so results never
 * depend on which environment got the batch.
 */
import { concatPcm, pcmFromBase64, samplesToMs } from "../../audio/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { Session } from "../../domain/session/index.ts";
import type { Log } from "../../log.ts";
import type { CustomVocabularies, IngestReplay, Measurements, PositionedRecord, SessionVocabulary, VoiceActivityDetector } from "../../ports/index.ts";
import { type KeptVoiceStream, Segmenter, type SegmenterOptions } from "../segmenter/index.ts";
import type { BufferedChunk, Checkpoint, WarmSession } from "./checkpoint.ts";
import { type Chunk, ChunkOrder, MAX_REORDER_WAIT_MS } from "./chunk-order.ts";
import type { LiveRecognition } from "./recognition.ts";

export interface RebuildDeps {
  /** Reads records back from the stream when this environment lacks the open segment's audio. */
  replay: IngestReplay;
  segmenterOptions?: Partial<SegmenterOptions>;
  /** Decides speech frame by frame for the segmenter; without one it goes by frame energy. */
  voiceActivity?: VoiceActivityDetector;
  /** How long a missing chunk is waited for, in audio captured after it (default `MAX_REORDER_WAIT_MS`). */
  reorderWaitMs?: number;
  /** Says whether the session's custom vocabulary at the recognizer service is ready (see `ConsumerDeps`). */
  vocabularies?: Pick<CustomVocabularies, "ready">;
  log: Log;
  measurements?: Pick<Measurements, "count">;
}

/**
 * The session as this batch starts it: the state this environment kept, if it is at the checkpoint's revision
 * (`stayedWarm`), else rebuilt with its recognizer caught up; undefined for a session that does not exist. Either
 * way it carries the session's vocabulary for this batch.
 */
export async function restore(
  deps: RebuildDeps & { db: Db },
  recognition: LiveRecognition,
  sessionId: string,
  checkpoint: Checkpoint.Info | undefined,
  kept: WarmSession | undefined,
): Promise<{ warm: WarmSession; stayedWarm: boolean } | undefined> {
  if (kept && kept.revision === (checkpoint?.revision ?? 0)) {
    kept.vocabulary = await vocabularyOf(deps, kept.session);
    recognition.endQuiet(sessionId, kept.segmenter.consumedSamples, true);
    return { warm: kept, stayedWarm: true };
  }
  const session = kept?.session ?? (await Session.get(deps.db, sessionId));
  if (!session) return undefined;
  // The detector stream this environment kept from its last visit may spare replaying the whole open segment.
  const warm = await rebuild(deps, session, checkpoint, kept?.segmenter.keptVoice());
  warm.vocabulary = await vocabularyOf(deps, session);
  recognition.endQuiet(sessionId, warm.segmenter.consumedSamples, false);
  catchUpRecognition(deps, recognition, warm);
  return { warm, stayedWarm: false };
}

/**
 * The session's words for its recognizer streams. Asking whether its custom vocabulary is ready costs nothing
 * once it is (the adapter remembers); a failed question leaves the session on the deployment-wide vocabulary.
 */
async function vocabularyOf(deps: Pick<RebuildDeps, "vocabularies" | "log">, session: Session.Info): Promise<SessionVocabulary | undefined> {
  if (!session.glossary?.length) return undefined;
  const terms = session.glossary.map((entry) => entry.term);
  const name = await deps.vocabularies?.ready(session.sessionId).catch((error: unknown) => {
    deps.log({ level: "warn", event: "vocabulary.check_failed", sessionId: session.sessionId, error: (error as Error).message });
    return undefined;
  });
  return { terms, ...(name ? { name } : {}) };
}

/** The session's state at `checkpoint` (a new session without one), from the checkpoint and the stream. */
async function rebuild(
  deps: RebuildDeps,
  session: Session.Info,
  checkpoint: Checkpoint.Info | undefined,
  keptVoice?: KeptVoiceStream,
): Promise<WarmSession> {
  const { sessionId } = session;
  const reorderWaitMs = deps.reorderWaitMs ?? MAX_REORDER_WAIT_MS;
  if (!checkpoint) {
    return {
      revision: 0,
      session,
      segmenter: new Segmenter(deps.segmenterOptions, undefined, undefined, deps.voiceActivity),
      order: new ChunkOrder({}, reorderWaitMs),
      buffered: [],
      overload: 0,
    };
  }
  const startedAt = Date.now();
  const records: PositionedRecord[] = [];
  const ranges = checkpoint.replay ? [checkpoint.replay, ...(checkpoint.replayAfter ?? [])] : [];
  for (const range of ranges) {
    const { shardId, from, through } = range;
    records.push(...(await deps.replay.read(sessionId, { shardId, sequenceNumber: from }, { shardId, sequenceNumber: through })));
  }
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
  const segmenter = Segmenter.restore({ state, buffer }, deps.segmenterOptions, deps.voiceActivity, keptVoice);
  const order = new ChunkOrder(
    { lastChunkIndex: checkpoint.order.lastChunkIndex, held: checkpoint.order.held.map(find), skipped: checkpoint.order.skipped },
    reorderWaitMs,
  );
  deps.log({
    level: "info",
    event: "consumer.replayed",
    sessionId,
    revision: checkpoint.revision,
    records: records.length,
    shards: ranges.length,
    audioMs: Math.round(samplesToMs(state.consumedSamples - checkpoint.buffer.firstSample)),
    held: checkpoint.order.held.length,
    durationMs: Date.now() - startedAt,
  });
  deps.measurements?.count("StreamReplays");
  return {
    revision: checkpoint.revision,
    session,
    segmenter,
    order,
    buffered,
    clock: checkpoint.clock,
    through: lastConsumed(checkpoint),
    statusKey: checkpoint.statusKey,
    statusSentAt: checkpoint.statusSentAt,
    overload: checkpoint.load ?? 0,
    parts: checkpoint.parts,
    ending: checkpoint.ending,
  };
}

/** The last record the checkpoint's batch consumed: the end of its last replay range. */
function lastConsumed(checkpoint: Checkpoint.Info): { shardId: string; sequenceNumber: string } | undefined {
  const last = checkpoint.replayAfter?.at(-1) ?? checkpoint.replay;
  return last && { shardId: last.shardId, sequenceNumber: last.through };
}

/**
 * After a rebuild the recognizer stream catches up with the open segment: a stream kept from an earlier visit gets
 * only the audio it missed, or, when it was hearing another segment or none, the open segment so far; with no stream
 * kept, the open segment is replayed into a new one. Each environment decodes a segment at most once, while the
 * speaker talks, so whichever closes it has the final text moments after the pause.
 */
function catchUpRecognition(deps: Pick<RebuildDeps, "log" | "measurements">, recognition: LiveRecognition, warm: WarmSession): void {
  const { sessionId, sourceLanguage } = warm.session;
  const open = warm.segmenter.openSegment;
  if (!open || open.emittedSample <= open.startSample) {
    recognition.abandonSegment(sessionId);
    return;
  }
  const stream = recognition.heard(sessionId, open.startSample);
  const heard = stream !== undefined && stream <= open.emittedSample ? stream : undefined;
  if (heard === undefined) recognition.abandonSegment(sessionId);
  const from = heard ?? open.startSample;
  if (from === open.emittedSample) return;
  recognition.feedWithPauses(sessionId, sourceLanguage, from, warm.segmenter.audioBetween(from, open.emittedSample), open.startSample, open.pauses, warm.vocabulary);
  if (heard === undefined) {
    deps.log({ level: "info", event: "recognition.replayed", sessionId, audioMs: Math.round(samplesToMs(open.emittedSample - from)) });
    deps.measurements?.count("RecognizerReplays");
  } else {
    deps.log({ level: "debug", event: "recognition.caught_up", sessionId, audioMs: Math.round(samplesToMs(open.emittedSample - from)) });
  }
}
