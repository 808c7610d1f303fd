/**
 * Lambda's execution environments, played locally. In AWS a shard's batches go to any environment of its slots
 * (parallelization factor), each with its own memory, frozen between invocations and sometimes gone. Here the
 * consumer runs in `count` isolated environments (each built by `create`, with its own consumer and its own
 * clients); `routing` decides which gets each batch: "sticky" keeps a shard on one environment (the warm case),
 * "random" picks one per batch from a seeded generator (what AWS may do). `kill` ends an environment in the
 * middle of a batch: its ports refuse from then on, the batch fails as a crashed invocation does, and the next
 * batch routed to that slot gets a fresh environment with empty memory.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Log } from "@livetranslate/core/log";
import type { Measurements } from "@livetranslate/core/ports";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";

/** The consumer as Lambda calls it: a batch of one shard's records in, the records to retry out. */
export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export type Routing = "random" | "sticky";

export interface ExecutionEnvironment {
  handler: KinesisHandler;
  /** Stops everything the environment does: its ports refuse from now on. */
  kill(): void;
  /** Frees what it holds (local mode shutting down). */
  close?(): void | Promise<void>;
}

export interface EnvironmentsOptions {
  count: number;
  routing: Routing;
  /** Seeds random routing, so a run can be repeated. */
  seed?: number;
  /** Builds environment `slot`, again after it was killed. */
  create(slot: number): ExecutionEnvironment;
  log?: Log;
  measurements?: Pick<Measurements, "count">;
}

/** Thrown into a batch whose environment was killed. */
export class EnvironmentKilledError extends Error {
  override readonly name = "EnvironmentKilledError";
}

interface Slot {
  environment?: ExecutionEnvironment;
  /** Rejects the batch in flight when the environment is killed. */
  abort?: (error: Error) => void;
  /** The batch in flight, settled or not. */
  running?: Promise<unknown>;
  generation: number;
}

export class ExecutionEnvironments {
  private readonly slots: Slot[];
  private readonly pick: () => number;
  private readonly sticky = new Map<string, number>();

  constructor(private readonly options: EnvironmentsOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`environments must be a whole number >= 1, not ${options.count}`);
    this.slots = Array.from({ length: options.count }, () => ({ generation: 0 }));
    const generator = xoroshiro128plus(options.seed ?? 1);
    this.pick = () => uniformInt(generator, 0, this.slots.length - 1);
  }

  get count(): number {
    return this.slots.length;
  }

  /** Which slot runs the next batch of `shardId`. */
  route(shardId: string): number {
    if (this.options.routing === "random") return this.pick();
    let slot = this.sticky.get(shardId);
    if (slot === undefined) {
      slot = this.sticky.size % this.slots.length;
      this.sticky.set(shardId, slot);
    }
    return slot;
  }

  /** Runs one batch in `slot`; a kill during it rejects with EnvironmentKilledError. */
  async invoke(slot: number, event: Parameters<KinesisHandler>[0]): ReturnType<KinesisHandler> {
    const s = this.slots[slot]!;
    s.environment ??= this.options.create(slot);
    const killed = new Promise<never>((_, reject) => {
      s.abort = reject;
    });
    const running = Promise.race([s.environment.handler(event), killed]);
    s.running = running.catch(() => undefined);
    try {
      return await running;
    } finally {
      s.abort = undefined;
    }
  }

  /**
   * A deploy: every slot's next batch runs in a new environment (the new code, with empty memory), while a batch in
   * flight finishes in its old one, as Lambda lets it; the old environments are freed once their batch is done.
   */
  async replaceAll(reason = "deployed"): Promise<void> {
    await Promise.all(
      this.slots.map(async (s, slot) => {
        const old = this.retire(slot, "replaced", reason);
        if (!old) return;
        await s.running;
        await old.close?.();
      }),
    );
  }

  /** Kills the environment in `slot` now, mid-batch if one is running there. */
  kill(slot: number, reason = "killed"): void {
    const environment = this.retire(slot, "killed", reason);
    if (!environment) return;
    environment.kill();
    this.slots[slot]!.abort?.(new EnvironmentKilledError(`execution environment ${slot} ${reason}`));
  }

  /** Takes the environment out of `slot` (the next batch there gets a new one), logged and counted; returns it. */
  private retire(slot: number, how: "killed" | "replaced", reason: string): ExecutionEnvironment | undefined {
    const s = this.slots[slot]!;
    const environment = s.environment;
    if (!environment) return undefined;
    s.environment = undefined;
    s.generation++;
    this.options.log?.({ level: how === "killed" ? "warn" : "info", event: `event_source.environment_${how}`, slot, reason, midBatch: s.abort !== undefined });
    this.options.measurements?.count(how === "killed" ? "EnvironmentsKilled" : "EnvironmentsReplaced");
    return environment;
  }

  generation(slot: number): number {
    return this.slots[slot]!.generation;
  }

  async close(): Promise<void> {
    for (const s of this.slots) {
      await s.environment?.close?.();
      s.environment = undefined;
    }
  }
}
