/**
 * One execution environment of the stream consumer in local mode: its own consumer (its own memory) and its own
 * AWS clients, all behind a fuse, so that killing it stops everything it does, as when Lambda loses an
 * environment. The speech engines are shared (they are processes and WASM modules, not state of the consumer),
 * behind the same fuse.
 */
import { addMiddleware, createDynamoClient, createKinesisClient, createS3Client, type MiddlewareClient } from "@livetranslate/core/adapters/aws/clients";
import type { Engines } from "@livetranslate/core/adapters/engines";
import type { Log } from "@livetranslate/core/log";
import type { Probe, SegmentResult } from "@livetranslate/core/streaming/pipeline";
import type { Measurements, VoiceActivityDetector } from "@livetranslate/core/ports";
import type { SegmenterOptions } from "@livetranslate/core/streaming/segmenter";
import type { StandIn } from "@livetranslate/core/adapters/standins";
import { compose } from "@livetranslate/functions/compose";
import type { LocalQuotas } from "./quotas.ts";
import { localAdapters } from "./adapters.ts";
import { EnvironmentKilledError, type ExecutionEnvironment } from "./event-source/environments.ts";
import type { InProcessManagementHandler } from "./gateway/in-process-management.ts";
import type { RequestCounts } from "./metering.ts";

export interface ConsumerEnvironmentConfig {
  dynamo: StandIn;
  kinesis: StandIn;
  s3: StandIn;
  table: string;
  stream: string;
  bucket: string;
  managementEndpoint: string;
  managementAccessKeyId: string;
  managementHandler?: InProcessManagementHandler;
  engines: Engines;
  log: Log;
  /** Shared by all environments (counters add up). */
  measurements: Measurements;
  segmenterOptions?: Partial<SegmenterOptions>;
  /** The segmenter's speech decision; shared by all environments (the model is read-only, streams are per segmenter). */
  voiceActivity?: VoiceActivityDetector;
  onSegment?: (sessionId: string, result: SegmentResult) => void;
  requestCounts?: RequestCounts;
  /** AWS's quotas, emulated: shared with every other function, as an account's are. */
  quotas?: LocalQuotas;
  /** Crash tests: where this environment may be killed. */
  probe?: (slot: number) => Probe | undefined;
  /** Applied to every AWS client the environment makes (failed-attempt reports; fault injection in tests). */
  decorateClient(client: MiddlewareClient): void;
}

type SdkClient = MiddlewareClient & { destroy(): void };

/**
 * Environment `slot`: local adapters over its own fused clients and fused engines, composed by the same root as
 * every other function; its handler is that composition's Consumer.
 */
export function createConsumerEnvironment(config: ConsumerEnvironmentConfig, slot: number): ExecutionEnvironment {
  let killed = false;
  const refuse = () => {
    if (killed) throw new EnvironmentKilledError(`execution environment ${slot} is gone`);
  };
  const clients: SdkClient[] = [];
  const fuse = (client: MiddlewareClient) => {
    addMiddleware(
      client,
      (next) => async (args) => {
        refuse();
        return next(args);
      },
      { step: "initialize", name: "environmentFuse" },
    );
    config.decorateClient(client);
    clients.push(client as SdkClient);
  };
  const fused = <C extends SdkClient>(client: C): C => (fuse(client), client);
  const { recognizer, translator, synthesizer } = config.engines;
  const adapters = localAdapters({
    dynamo: fused(createDynamoClient(config.dynamo)),
    kinesis: fused(createKinesisClient(config.kinesis)),
    s3: fused(createS3Client(config.s3)),
    table: config.table,
    stream: config.stream,
    bucket: config.bucket,
    managementEndpoint: config.managementEndpoint,
    managementAccessKeyId: config.managementAccessKeyId,
    managementHandler: config.managementHandler,
    decorateClient: fuse,
    engines: {
      recognizer: {
        languages: recognizer.languages,
        startStream(language) {
          refuse();
          const stream = recognizer.startStream(language);
          return {
            write: async (pcm) => (refuse(), stream.write(pcm)),
            endSegment: async (endSample) => (refuse(), stream.endSegment(endSample)),
            pause: async () => (refuse(), stream.pause()),
            phraseWords: async () => (refuse(), stream.phraseWords()),
            end: () => stream.end(),
            abort: () => stream.abort(),
          };
        },
      },
      translator: { pairs: translator.pairs, translate: async (...args) => (refuse(), translator.translate(...args)) },
      synthesizer: { languages: synthesizer.languages, synthesize: async (...args) => (refuse(), synthesizer.synthesize(...args)) },
    },
    log: config.log,
    measurements: config.measurements,
    consumer: { segmenterOptions: config.segmenterOptions, voiceActivity: config.voiceActivity, onSegment: config.onSegment, probe: config.probe?.(slot) },
    requestCounts: config.requestCounts,
    quotas: config.quotas,
  });
  const handler = compose(adapters).Consumer;
  return {
    handler,
    kill() {
      killed = true;
      void adapters.consumer.close();
      // Requests in flight fail; anything the environment still tries is refused by the fuse.
      for (const client of clients) client.destroy();
    },
    close() {
      void adapters.consumer.close();
      for (const client of clients) client.destroy();
    },
  };
}
