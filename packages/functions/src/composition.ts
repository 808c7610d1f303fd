/**
 * The one composition root: where adapters are wired to handlers. Each function names the adapters it needs and
 * is built from exactly that slice, on first use; AWS (`awsAdapters()`), local mode and tests hand their adapters
 * to the same `compose()`. What each function is made of in AWS also gives the contracts infra is checked
 * against: the linked resources its adapters read and the IAM actions they need.
 */
import type { IamAction } from "@livetranslate/core/adapters/aws/iam";
import { StreamConsumer } from "@livetranslate/core/streaming/consumer";
import type { Probe, SegmentResult } from "@livetranslate/core/streaming/pipeline";
import type { SegmenterOptions } from "@livetranslate/core/streaming/segmenter";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { type AdapterName, type Adapters, pick, type SessionConsumer } from "./adapters.ts";
import { AWS_ADAPTERS, type AwsAdapter } from "./aws-adapters.ts";
import { type ComputeName, FUNCTION_NAMES, type FunctionName, SERVICE_NAMES, type ServiceName } from "./deployment.ts";
import { createBroadcastAuthorizer } from "./broadcast/authorizer.ts";
import { createBroadcastPresenceHandler } from "./broadcast/presence.ts";
import { createApi } from "./http/api.ts";
import { lazy } from "./lazy.ts";
import { createConsumerService } from "./service/consumer-service.ts";
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
  Connect: define({ entry: "connect", needs: ["db", "limits", "speakerAccounts", "log"], build: createConnectHandler }),
  Disconnect: define({ entry: "disconnect", needs: ["db", "log"], build: createDisconnectHandler }),
  Message: define({ entry: "message", needs: ["db", "ingest", "notifier", "speakerAccounts", "log"], build: createMessageHandler }),
  Http: define({ entry: "http", needs: ["db", "languages", "vocabularies", "measurements", "log", "broadcastBroker", "limits"], build: createApi }),
  Consumer: define({ entry: "stream", needs: ["consumer", "measurements", "log"], build: createStreamHandler }),
  BroadcastAuthorizerHandler: define({ entry: "broadcast-authorizer", needs: ["listenerAuthorizer", "log"], build: createBroadcastAuthorizer }),
  BroadcastPresenceHandler: define({ entry: "broadcast-presence", needs: ["db", "limits", "log"], build: createBroadcastPresenceHandler }),
} satisfies Record<FunctionName, { entry: string; needs: readonly AdapterName[]; build(adapters: never): unknown }>;

export type Handlers = { [F in FunctionName]: ReturnType<(typeof FUNCTIONS)[F]["build"]> };

/** The long-running services, defined as the functions are: `entry` is a module in src/handlers that runs it. */
export const SERVICES = {
  ConsumerService: define({
    entry: "consumer-service",
    needs: ["consumer", "fanOut", "shardProgress", "failedBatches", "measurements", "log"],
    build: createConsumerService,
  }),
} satisfies Record<ServiceName, { entry: string; needs: readonly AdapterName[]; build(adapters: never): unknown }>;

/** A service over `adapters`, built (with its slice) now. */
export function composeService<S extends ServiceName>(adapters: Adapters, name: S): ReturnType<(typeof SERVICES)[S]["build"]> {
  const definition = SERVICES[name] as FunctionDefinition<AdapterName, ReturnType<(typeof SERVICES)[S]["build"]>>;
  return definition.build(pick(adapters, definition.needs));
}

const needsOf = (name: ComputeName): readonly AdapterName[] => (name in SERVICES ? SERVICES[name as ServiceName].needs : FUNCTIONS[name as FunctionName].needs);

/** Every function's handler over `adapters`; each is built (and builds its slice) when first read. */
export function compose(adapters: Adapters): Handlers {
  return lazy(
    Object.fromEntries(
      FUNCTION_NAMES.map((name) => {
        const definition = FUNCTIONS[name] as FunctionDefinition<AdapterName, Handlers[typeof name]>;
        return [name, () => definition.build(pick(adapters, definition.needs))];
      }),
    ) as { [F in FunctionName]: () => Handlers[F] },
  );
}

/** What the stream consumer is built from, in every mode. */
export const CONSUMER_NEEDS = ["db", "recognizer", "vocabularies", "replay", "translator", "synthesizer", "audioStore", "notifier", "broadcast", "measurements", "log"] as const;

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
  const { db, recognizer, vocabularies, replay, translator, synthesizer, audioStore, notifier, broadcast, measurements, log } = adapters;
  return new StreamConsumer({
    db,
    recognizer,
    vocabularies,
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

/** Every adapter in AWS: those over a linked resource or an AWS service, and the consumer made of them. */
const IN_AWS = {
  ...AWS_ADAPTERS,
  consumer: { links: [], iamActions: [], uses: CONSUMER_NEEDS, build: (adapters) => buildConsumer(adapters) } satisfies AwsAdapter<"consumer", (typeof CONSUMER_NEEDS)[number]>,
};
const inAws = (name: AdapterName) => IN_AWS[name] as unknown as AwsAdapter<AdapterName, AdapterName>;

/** Every adapter, each built from its own `Resource` when first read, once per Lambda execution environment. */
export function awsAdapters(): Adapters {
  const adapters: Adapters = lazy(
    Object.fromEntries(
      (Object.keys(IN_AWS) as AdapterName[]).map((name) => {
        const definition = inAws(name);
        return [name, () => definition.build(pick(adapters, definition.uses))];
      }),
    ) as { [K in AdapterName]: () => Adapters[K] },
  );
  return adapters;
}

/** The adapters a function builds in AWS: those it names, and those they are built from. */
function closure(names: readonly AdapterName[]): AdapterName[] {
  const seen = new Set<AdapterName>();
  const visit = (name: AdapterName) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const used of inAws(name).uses) visit(used);
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

export const functionAdapters = Object.fromEntries([...FUNCTION_NAMES, ...SERVICE_NAMES].map((fn) => [fn, closure(needsOf(fn))])) as unknown as Record<
  ComputeName,
  readonly AdapterName[]
>;

/** The SST `Resource` names a function reads: infra must link each (SST always sets `App`). */
export function linksNeeded(fn: ComputeName): readonly string[] {
  return [...new Set(functionAdapters[fn].flatMap((name) => inAws(name).links))].sort();
}

/** The IAM actions a function's adapters need, with the kind of resource each is needed on. */
export function requiredActions(fn: ComputeName): readonly IamAction[] {
  const all = functionAdapters[fn].flatMap((name) => inAws(name).iamActions);
  const key = (a: IamAction) => `${a.action} ${a.resource}`;
  return [...new Map(all.map((a) => [key(a), a])).values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The handler path infra gives SST for a function (`packages/functions/src/handlers/<entry>.handler`). */
export function handlerPath(fn: FunctionName): string {
  return `packages/functions/src/handlers/${FUNCTIONS[fn].entry}.handler`;
}
