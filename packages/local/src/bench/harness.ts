/** Local mode in this process as the scenarios run it, with every segment it delivers and the AWS requests it makes. */
import { memoryLog } from "@livetranslate/core/log";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import type { SegmentResult } from "@livetranslate/core/streaming/pipeline";
import type { Routing } from "../event-source/environments.ts";
import { newRequestCounts, type RequestCounts } from "../metering.ts";
import { type LocalMode, startLocal } from "../server.ts";
import type { fixedLatencyEngines } from "./fixed-engines.ts";
import { IDLE_LISTENERS } from "./scenarios/idle-crowd.ts";

export interface Harness {
  local: LocalMode;
  segments: { sessionId: string; result: SegmentResult; at: number }[];
  counts: RequestCounts;
}

/** Local mode as Lambda runs the consumer: 4 execution environments, batches routed at random unless asked. */
export async function harness(engines?: ReturnType<typeof fixedLatencyEngines>, routing: Routing = "random", detector?: VoiceActivityDetector): Promise<Harness> {
  const segments: Harness["segments"] = [];
  const counts = newRequestCounts();
  const local = await startLocal({
    port: 0,
    log: memoryLog(),
    engines,
    requestCounts: counts,
    consumerEnvironments: 4,
    routing,
    seed: 1,
    // The memory and fan-out scenarios hold their idle crowd in one session.
    maxListenersPerSession: 10 * IDLE_LISTENERS,
    voiceActivity: detector,
    onSegment: (sessionId, result) => segments.push({ sessionId, result, at: Date.now() }),
  });
  return { local, segments, counts };
}

/** Runs one named step of the benchmark (the command line reports its progress). */
export type Step = <T>(name: string, run: () => Promise<T>) => Promise<T>;
