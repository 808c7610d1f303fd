/**
 * Puts a session's chunks back in `chunkIndex` order and drops repeats. API Gateway invokes a Lambda per
 * message, concurrently, so two chunks can reach the stream swapped; a later chunk waits here for the
 * missing one, but only briefly: a chunk that never comes (lost with its connection) must not stall
 * the session, so after `maxHeld` chunks the gap is skipped.
 */
import type { IngestRecord } from "../ports.ts";

export type Chunk = Extract<IngestRecord, { kind: "chunk" }>;

export interface ChunkOrderState {
  lastChunkIndex: number;
  held: Chunk[];
}

export interface Accepted {
  ready: Chunk[];
  duplicate: boolean;
  skipped: number;
}

export class ChunkOrder {
  private readonly state: ChunkOrderState;

  constructor(
    state: ChunkOrderState = { lastChunkIndex: -1, held: [] },
    private readonly maxHeld = 5,
  ) {
    this.state = { lastChunkIndex: state.lastChunkIndex, held: [...state.held] };
  }

  snapshot(): ChunkOrderState {
    return { lastChunkIndex: this.state.lastChunkIndex, held: [...this.state.held] };
  }

  accept(chunk: Chunk): Accepted {
    const s = this.state;
    // The first chunk seen for a session sets the start, whatever its index.
    const isFirst = s.lastChunkIndex < 0 && s.held.length === 0;
    if (chunk.chunkIndex <= s.lastChunkIndex || s.held.some((h) => h.chunkIndex === chunk.chunkIndex)) {
      return { ready: [], duplicate: true, skipped: 0 };
    }
    if (isFirst || chunk.chunkIndex === s.lastChunkIndex + 1) {
      s.lastChunkIndex = chunk.chunkIndex;
      return { ready: [chunk, ...this.releaseInOrder()], duplicate: false, skipped: 0 };
    }
    s.held.push(chunk);
    s.held.sort((a, b) => a.chunkIndex - b.chunkIndex);
    if (s.held.length <= this.maxHeld) return { ready: [], duplicate: false, skipped: 0 };
    const skipped = s.held[0]!.chunkIndex - s.lastChunkIndex - 1;
    s.lastChunkIndex = s.held[0]!.chunkIndex - 1;
    return { ready: this.releaseInOrder(), duplicate: false, skipped };
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
