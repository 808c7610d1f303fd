/**
 * Puts a session's chunks back in `chunkIndex` order and drops repeats. API Gateway invokes a Lambda per
 * message, concurrently (a cold start can hold one back for a second), so chunks can reach the stream out of
 * order. A chunk that arrives early waits for the missing one until `maxWaitMs` of audio captured after the gap
 * has arrived (the speaker's clock, so it does not depend on how batches fall) and as long has passed at the
 * server since the first chunk after the gap was ingested (a reconnecting speaker's backlog arrives in a burst,
 * seconds of audio within milliseconds, and its chunks overtake each other); then the gap is skipped, since a
 * chunk lost with its connection must not stall the session. A skipped chunk that turns up later is dropped and
 * counted as late. Numbering starts at 0: a session's first chunk to arrive waits for those before it too.
 */
import type { PositionedRecord } from "../../ports/index.ts";

export type Chunk = Extract<PositionedRecord, { kind: "chunk" }>;

/** How long a missing chunk is waited for, in audio captured after it. */
export const MAX_REORDER_WAIT_MS = 1500;

/**
 * A "duplicate" captured this long after the newest chunk consumed is no resend (the speaker app resends within a
 * few seconds of a reconnect): a client numbering its chunks afresh, whose every chunk would be dropped.
 */
export const INDEX_REUSED_AFTER_MS = 10_000;

export interface ChunkOrderState {
  lastChunkIndex: number;
  held: Chunk[];
  /** Recent skipped ranges `[first, last]`, to tell a late chunk from a resent one. */
  skipped: [number, number][];
}

export interface Accepted {
  ready: Chunk[];
  /** Seen before (a retried batch or a reconnecting speaker's resend): harmless. */
  duplicate: boolean;
  /** Arrived after its gap was skipped: its audio is lost. */
  late: boolean;
  /** Chunk indexes given up on by this acceptance. */
  skipped: number;
}

const SKIPPED_KEPT = 16;

export class ChunkOrder {
  private readonly state: ChunkOrderState;

  constructor(
    state: Partial<ChunkOrderState> = {},
    private readonly maxWaitMs = MAX_REORDER_WAIT_MS,
  ) {
    this.state = { lastChunkIndex: state.lastChunkIndex ?? -1, held: [...(state.held ?? [])], skipped: [...(state.skipped ?? [])] };
  }

  snapshot(): ChunkOrderState {
    return { lastChunkIndex: this.state.lastChunkIndex, held: [...this.state.held], skipped: [...this.state.skipped] };
  }

  get held(): readonly Chunk[] {
    return this.state.held;
  }

  /** The lowest index not consumed or held: where a speaker reusing indexes must continue. */
  get nextChunkIndex(): number {
    return Math.max(this.state.lastChunkIndex, ...this.state.held.map((h) => h.chunkIndex)) + 1;
  }

  /** How many chunk indexes up to `lastChunkIndex` are neither consumed (or skipped) nor held. */
  missingThrough(lastChunkIndex: number): number {
    const s = this.state;
    return Math.max(0, lastChunkIndex - s.lastChunkIndex) - s.held.filter((h) => h.chunkIndex <= lastChunkIndex).length;
  }

  /** Whether every chunk up to `lastChunkIndex` is consumed or was given up on. */
  consumedThrough(lastChunkIndex: number): boolean {
    return this.state.lastChunkIndex >= lastChunkIndex;
  }

  /** Whether `duplicate`, refused as seen before, was captured long after `newestCapturedAt` (see `INDEX_REUSED_AFTER_MS`). */
  reusedIndex(duplicate: Chunk, newestCapturedAt: number | undefined): boolean {
    const newest = Math.max(newestCapturedAt ?? -Infinity, ...this.state.held.map((h) => h.capturedAt));
    return duplicate.capturedAt - newest > INDEX_REUSED_AFTER_MS;
  }

  accept(chunk: Chunk): Accepted {
    const s = this.state;
    if (chunk.chunkIndex <= s.lastChunkIndex || s.held.some((h) => h.chunkIndex === chunk.chunkIndex)) {
      const late = s.skipped.some(([first, last]) => chunk.chunkIndex >= first && chunk.chunkIndex <= last);
      return { ready: [], duplicate: !late, late, skipped: 0 };
    }
    if (chunk.chunkIndex === s.lastChunkIndex + 1) {
      s.lastChunkIndex = chunk.chunkIndex;
      return { ready: [chunk, ...this.releaseInOrder()], duplicate: false, late: false, skipped: 0 };
    }
    s.held.push(chunk);
    s.held.sort((a, b) => a.chunkIndex - b.chunkIndex);
    const waitedMs = (time: (c: Chunk) => number) => Math.max(...s.held.map(time)) - time(s.held[0]!);
    if (waitedMs((c) => c.capturedAt) < this.maxWaitMs || waitedMs((c) => c.ingestedAt) < this.maxWaitMs) {
      return { ready: [], duplicate: false, late: false, skipped: 0 };
    }
    const first = s.lastChunkIndex + 1;
    const last = s.held[0]!.chunkIndex - 1;
    s.skipped = [...s.skipped, [first, last] as [number, number]].slice(-SKIPPED_KEPT);
    s.lastChunkIndex = last;
    return { ready: this.releaseInOrder(), duplicate: false, late: false, skipped: last - first + 1 };
  }

  /** Everything held, in order, gaps and all (the session is ending). */
  drain(): Chunk[] {
    const held = this.state.held;
    this.state.held = [];
    if (held.length) this.state.lastChunkIndex = held.at(-1)!.chunkIndex;
    return held;
  }

  private releaseInOrder(): Chunk[] {
    const s = this.state;
    const ready: Chunk[] = [];
    while (s.held[0] && s.held[0].chunkIndex === s.lastChunkIndex + 1) {
      const next = s.held.shift()!;
      s.lastChunkIndex = next.chunkIndex;
      ready.push(next);
    }
    return ready;
  }
}

/** The session's end as its record said: the last chunk index the speaker sent, when it said, and when it came. */
export interface Ending {
  lastChunkIndex?: number;
  ingestedAt: number;
}

/**
 * How long (server time) an end waits for the chunks sent before it while records keep arriving: a backlog of a
 * minute's chunks is a burst of Message invocations, some held back by cold starts.
 */
export const MAX_END_WAIT_MS = 10_000;

/**
 * Whether the session ends now, a record ingested at `ingestedAt` just consumed. A reconnecting speaker's backlog and
 * its end reach the stream side by side (a Message invocation each, run concurrently), so its end may come before its
 * last chunks: it waits until every chunk up to the last one sent is consumed or given up by the gap rule, or until
 * records keep arriving `maxWaitMs` after it without them.
 */
export function endsNow(ending: Ending, order: ChunkOrder, ingestedAt: number, maxWaitMs = MAX_END_WAIT_MS): boolean {
  if (ending.lastChunkIndex === undefined) return true;
  return order.consumedThrough(ending.lastChunkIndex) || ingestedAt - ending.ingestedAt >= maxWaitMs;
}
