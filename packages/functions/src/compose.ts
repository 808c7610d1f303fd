/**
 * The one composition root. Each function names the adapters it needs and is built from exactly that slice,
 * on first use; AWS (`awsAdapters()`), local mode and tests hand their adapters to the same `compose()`.
 */
import { StreamConsumer } from "@livetranslate/core/streaming/consumer";
import type { Probe, SegmentResult } from "@livetranslate/core/streaming/pipeline";
import type { SegmenterOptions } from "@livetranslate/core/streaming/segmenter";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { type AdapterName, type Adapters, pick, type SessionConsumer } from "./adapters.ts";
import { FUNCTION_NAMES, type FunctionName } from "./deployment.ts";
import { createBroadcastAuthorizer } from "./broadcast/authorizer.ts";
import { createApi } from "./http/api.ts";
import { createStreamHandler } from "./stream/consumer.ts";
import { createConnectHandler } from "./ws/connect.ts";
import { createDisconnectHandler } from "./ws/disconnect.ts";
import { createMessageHandler } from "./ws/message.ts";

export interface FunctionDefinition<N extends AdapterName, H> {
  /** Module in src/handlers exporting the Lambda `handler`. */
  entry: string;
  needs: readonly N[];
  build: (adapters: Pick<Adapters, NoInfer<N>>) => H;
}

/** `needs` is the truth: `build` gets only that slice, and TypeScript refuses a build that reads more. */
function define<const N extends AdapterName, H>(definition: FunctionDefinition<N, H>) {
  return definition;
}

export const FUNCTIONS = {
  Connect: define({ entry: "connect", needs: ["db", "log"], build: createConnectHandler }),
  Disconnect: define({ entry: "disconnect", needs: ["db", "log"], build: createDisconnectHandler }),
  Message: define({ entry: "message", needs: ["db", "ingest", "notifier", "log"], build: createMessageHandler }),
  Http: define({ entry: "http", needs: ["db", "languages", "measurements", "log", "broadcastBroker"], build: createApi }),
  Consumer: define({ entry: "stream", needs: ["consumer", "measurements", "log"], build: createStreamHandler }),
  BroadcastAuthorizerHandler: define({ entry: "broadcast-authorizer", needs: ["listenerAuthorizer", "log"], build: createBroadcastAuthorizer }),
} satisfies Record<FunctionName, { entry: string; needs: readonly AdapterName[]; build(adapters: never): unknown }>;

export type Handlers = { [F in FunctionName]: ReturnType<(typeof FUNCTIONS)[F]["build"]> };

/** Every function's handler over `adapters`; each is built (and builds its slice) when first read. */
export function compose(adapters: Adapters): Handlers {
  const built: Partial<Handlers> = {};
  const handlers = {} as Handlers;
  for (const name of FUNCTION_NAMES) {
    const definition = FUNCTIONS[name] as FunctionDefinition<AdapterName, Handlers[typeof name]>;
    Object.defineProperty(handlers, name, {
      enumerable: true,
      get: () => (built[name] ??= definition.build(pick(adapters, definition.needs)) as never),
    });
  }
  return handlers;
}

/** What the stream consumer is built from, in every mode. */
export const CONSUMER_NEEDS = ["db", "recognizer", "replay", "translator", "synthesizer", "audioStore", "notifier", "broadcast", "measurements", "log"] as const;

export interface ConsumerOptions {
  segmenterOptions?: Partial<SegmenterOptions>;
  /** The segmenter's speech decision (the neural detector); without one, the energy rule. */
  voiceActivity?: VoiceActivityDetector;
  onSegment?: (sessionId: string, result: SegmentResult) => void;
  /** Crash tests (local mode): where an execution environment may be killed. */
  probe?: Probe;
}

/**
 * The stream consumer over its adapters (one per execution environment: its memory is that environment's);
 * each delivered segment is measured, and its faults and retries counted.
 */
export function buildConsumer(adapters: Pick<Adapters, (typeof CONSUMER_NEEDS)[number]>, options: ConsumerOptions = {}): SessionConsumer {
  const { db, recognizer, replay, translator, synthesizer, audioStore, notifier, broadcast, measurements, log } = adapters;
  return new StreamConsumer({
    db,
    recognizer,
    replay,
    translator,
    synthesizer,
    audioStore,
    notifier,
    broadcast,
    log,
    measurements,
    probe: options.probe,
    segmenterOptions: options.segmenterOptions,
    voiceActivity: options.voiceActivity,
    onSegment: (sessionId, result) => {
      measurements.segmentDelivered(result);
      options.onSegment?.(sessionId, result);
    },
  });
}
