/**
 * Where a session's consumer left off: the checkpoint, its entity, and the warm session it is written from.
 *
 * An execution environment's memory is a cache, never the truth: the next batch may run in another one. The truth
 * is the stream plus this small checkpoint, read strongly consistent and written once per batch, conditional on the
 * revision read, so a stale writer cannot rewind it. It holds no audio, only where in the stream to read it back
 * (docs/design/checkpoint.md).
 */
import type { BindingQuota } from "../../domain/quotas/index.ts";
import { Entity } from "electrodb";
import { z } from "zod";
import { type DbConfig, DB_SERVICE, expiresAt, isConditionalFailure } from "../../domain/db/index.ts";
import type { Session } from "../../domain/session/index.ts";
import type { Log } from "../../log.ts";
import type { Measurements, SessionVocabulary, StreamPosition } from "../../ports/index.ts";
import type { Segmenter, SegmenterState } from "../segmenter/index.ts";
import type { ChunkOrder } from "./chunk-order.ts";
import type { OverloadLevel } from "./overload.ts";
import type { SegmentParts } from "./segment-parts.ts";
import { compareSequenceNumbers } from "../../ports/stream-position.ts";

const range = z.tuple([z.number(), z.number()]);

const segmenterState = z.object({
  consumedSamples: z.number(),
  bufferStartSample: z.number(),
  analyzedSamples: z.number(),
  nextSequenceNumber: z.number(),
  noiseFloorDb: z.number(),
  onsetFrames: z.number(),
  segment: z
    .object({
      startSample: z.number(),
      voicedSamples: z.number(),
      lastVoicedEndSample: z.number(),
      emittedSample: z.number(),
      pauses: z.array(z.number()).optional(),
    })
    .nullable(),
  voiceResetSample: z.number().optional(),
});

const segmentParts = z.object({
  sequenceNumber: z.number(),
  segmentStartSample: z.number(),
  committed: z.array(z.string()),
  fromSample: z.number(),
  pending: z.string(),
  broken: z.boolean().optional(),
  inPhrase: z.array(z.string()).optional(),
});

/** The segmenter and the parts keep their own types: these schemas must say exactly what they say. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemasMatch: [Same<z.infer<typeof segmenterState>, SegmenterState>, Same<z.infer<typeof segmentParts>, SegmentParts>] = [true, true];
void schemasMatch;

const shardRange = z.object({ shardId: z.string(), from: z.string(), through: z.string() });
export type ShardRange = z.infer<typeof shardRange>;

/** Maps session audio offsets to the speaker's capture clock, from the latest chunk. */
const captureClock = z.object({ sample: z.number(), capturedAt: z.number() });
export type CaptureClock = z.infer<typeof captureClock>;

export namespace Checkpoint {
  /**
   * The shape of the checkpoint this code writes. A change to what a field means, or a field a batch must not lose,
   * raises it; code that reads a checkpoint of a higher schema (a rollback, or the old code while a deploy switches
   * over) leaves it alone and has the batch retried, since writing it back would drop what it does not know. The
   * entity's model version is never raised instead: it is part of the item's key, so live sessions would start
   * afresh, numbering segments under keys their deliveries already claimed. Absent: written before there was one (1).
   */
  export const SCHEMA = 2;

  /** What the checkpoint stores; the entity below is checked against it (`checkpoint.test.ts`). */
  export const Info = z.object({
    /** The shape it was written in (see `SCHEMA`). */
    schema: z.number().int().positive().optional(),
    /** Counts the batches behind it. */
    revision: z.number(),
    /** Last chunk index processed, the indexes of chunks held for a missing one, recent skipped ranges. */
    order: z.object({ lastChunkIndex: z.number(), held: z.array(z.number()), skipped: z.array(range) }),
    segmenter: segmenterState,
    /** The segmenter's buffer is these chunks' audio, the first starting at `firstSample` of the session. */
    buffer: z.object({ firstSample: z.number(), chunks: z.array(range) }),
    /** Records to read back: from the oldest one whose audio is still needed through the last one consumed. */
    replay: shardRange.optional(),
    /**
     * When the records to read back span a shard split (the on-demand stream splits shards as it grows), `replay` is
     * the range on the first shard and these the ranges on the shards after it, in order.
     */
    replayAfter: z.array(shardRange).optional(),
    clock: captureClock.optional(),
    statusKey: z.string().optional(),
    statusSentAt: z.number().optional(),
    /** The overload level (stored under its first name), absent when nothing is shed. */
    load: z.literal([0, 1, 2]).optional(),
    /** What of the open segment went out in parts. */
    parts: segmentParts.optional(),
    ended: z.boolean().optional(),
    /** The session's end, come before the last chunks the speaker sent: it waits for them (`endsNow`). */
    ending: z.object({ lastChunkIndex: z.number().optional(), ingestedAt: z.number() }).optional(),
  });
  export type Info = z.infer<typeof Info>;

  /** The stored item; its name, version and attributes are those checkpoints were written with. */
  export function entity(config: DbConfig) {
    return new Entity(
      {
        model: { entity: "streamState", version: "2", service: DB_SERVICE },
        attributes: {
          sessionId: { type: "string", required: true },
          schema: { type: "number" },
          revision: { type: "number", required: true },
          order: { type: "any", required: true },
          segmenter: { type: "any", required: true },
          buffer: { type: "any", required: true },
          replay: { type: "any" },
          replayAfter: { type: "any" },
          clock: { type: "any" },
          statusSentAt: { type: "number" },
          statusKey: { type: "string" },
          load: { type: "number" },
          parts: { type: "any" },
          ended: { type: "boolean" },
          ending: { type: "any" },
          updatedAt: { type: "number", required: true },
          expiresAt: { type: "number", required: true },
        },
        indexes: {
          byId: {
            pk: { field: "pk", composite: ["sessionId"] },
            sk: { field: "sk", composite: [] },
          },
        },
      },
      config,
    );
  }
  export type Entity = ReturnType<typeof entity>;

  /** Whether code of this schema may carry `checkpoint` on (see `SCHEMA`). */
  export function isNewer(checkpoint: Info): boolean {
    return (checkpoint.schema ?? 1) > SCHEMA;
  }

  /** Strongly consistent: the previous batch, perhaps in another environment, wrote it moments ago. */
  export async function read(entity: Entity, sessionId: string): Promise<Info | undefined> {
    const { data } = await entity.get({ sessionId }).go({ consistent: true });
    if (!data) return undefined;
    const checkpoint = Info.safeParse(data);
    if (!checkpoint.success) throw new Error(`checkpoint of ${sessionId} does not read: ${z.prettifyError(checkpoint.error)}`);
    return checkpoint.data;
  }

  /** Writes the checkpoint of `warm`, conditional on the revision it was at, and advances it to the new one. */
  export async function write(
    entity: Entity,
    deps: { log: Log; measurements?: Pick<Measurements, "count"> },
    warm: WarmSession,
    ended: boolean,
  ): Promise<void> {
    const checkpoint = of(warm, ended);
    const updatedAt = Date.now();
    const item = { sessionId: warm.session.sessionId, ...checkpoint, updatedAt, expiresAt: expiresAt(updatedAt) };
    const expected = warm.revision;
    try {
      if (expected === 0) await entity.create(item).go();
      else await entity.put(item).where(({ revision }, { eq }) => eq(revision, expected)).go();
    } catch (error) {
      if (isConditionalFailure(error)) {
        deps.log({ level: "warn", event: "consumer.checkpoint_moved", sessionId: warm.session.sessionId, expected });
        deps.measurements?.count("CheckpointConflicts");
      }
      throw error;
    }
    const bytes = checkpointBytes(item);
    deps.measurements?.count("CheckpointWrites");
    deps.measurements?.count("CheckpointBytes", bytes);
    deps.measurements?.count("CheckpointWriteUnits", Math.ceil(bytes / 1024));
    warm.revision = checkpoint.revision;
  }

  /** The checkpoint after the batch `warm` just consumed. */
  export function of(warm: WarmSession, ended: boolean): Info {
    const positions = [...warm.buffered.map((b) => b.position), ...warm.order.held.map((h) => h.position)];
    const [replay, ...replayAfter] = replayRanges(positions, warm.through);
    const chunks: [number, number][] = [];
    for (const { chunkIndex } of warm.buffered) {
      const last = chunks.at(-1);
      if (last && last[1] === chunkIndex - 1) last[1] = chunkIndex;
      else chunks.push([chunkIndex, chunkIndex]);
    }
    const snapshot = warm.order.snapshot();
    return {
      schema: SCHEMA,
      revision: warm.revision + 1,
      order: { lastChunkIndex: snapshot.lastChunkIndex, held: warm.order.held.map((h) => h.chunkIndex), skipped: snapshot.skipped },
      segmenter: warm.segmenter.stateSnapshot(),
      buffer: { firstSample: warm.buffered[0]?.startSample ?? warm.segmenter.consumedSamples, chunks },
      replay,
      replayAfter: replayAfter.length > 0 ? replayAfter : undefined,
      clock: warm.clock,
      statusKey: warm.statusKey,
      statusSentAt: warm.statusSentAt,
      load: warm.overload || undefined,
      parts: warm.parts,
      ended,
      ending: ended ? undefined : warm.ending,
    };
  }
}

/**
 * Where the records at `positions` lie in the stream, a range per shard, in stream order: on the shard of the last
 * record consumed, through that record. Sequence numbers grow across a split (a child shard's start after its
 * parent's end), so ranges in order of their first record are in stream order.
 */
export function replayRanges(positions: readonly StreamPosition[], through: StreamPosition | undefined): ShardRange[] {
  if (positions.length === 0 || !through) return [];
  const ranges = new Map<string, ShardRange>();
  for (const { shardId, sequenceNumber } of positions) {
    const range = ranges.get(shardId);
    if (!range) ranges.set(shardId, { shardId, from: sequenceNumber, through: sequenceNumber });
    else if (compareSequenceNumbers(sequenceNumber, range.from) < 0) range.from = sequenceNumber;
    else if (compareSequenceNumbers(sequenceNumber, range.through) > 0) range.through = sequenceNumber;
  }
  const last = ranges.get(through.shardId);
  if (last && compareSequenceNumbers(through.sequenceNumber, last.through) > 0) last.through = through.sequenceNumber;
  return [...ranges.values()].sort((a, b) => compareSequenceNumbers(a.from, b.from));
}

/** A chunk whose audio is (partly) in the segmenter's buffer. */
export interface BufferedChunk {
  chunkIndex: number;
  position: StreamPosition;
  startSample: number;
  samples: number;
}

/**
 * One session's state in this environment's memory, valid only at checkpoint revision `revision`: the checkpoint's
 * fields, with the segmenter, the chunk order and the buffered chunks live instead of described.
 */
export interface WarmSession extends Pick<Checkpoint.Info, "revision" | "clock" | "statusKey" | "statusSentAt" | "parts" | "ending"> {
  session: Session.Info;
  segmenter: Segmenter;
  order: ChunkOrder;
  buffered: BufferedChunk[];
  /** The last record consumed. */
  through?: StreamPosition;
  lastInterim?: string;
  /** What is shed while behind real time; in the checkpoint so another environment sheds alike. */
  overload: OverloadLevel["level"];
  /** The lag measured at the start of the last batch (ms). */
  lagMs?: number;
  /** The session's glossary terms for its recognizer streams, and its custom vocabulary once ready. */
  vocabulary?: SessionVocabulary;
  /** When each AWS quota was last met delivering this session (this environment's view), and what the speaker was last told. */
  quotasMetAt?: Partial<Record<BindingQuota, number>>;
  quotasSent?: BindingQuota[];
  /** The speaker's connections as last read, and when: a new interim caption does not read the whole audience again. */
  speakers?: { ids: readonly string[]; at: number };
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
