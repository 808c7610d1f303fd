/**
 * One execution environment of the stream consumer in local mode: its own consumer (its own memory) and its own
 * AWS clients, all behind a fuse, so that killing it stops everything it does, as when Lambda loses an
 * environment. The speech engines are shared (they are processes and WASM modules, not state of the consumer),
 * behind the same fuse.
 */
import { addMiddleware } from "@livetranslate/core/adapters/aws/clients";
import type { Probe } from "@livetranslate/core/streaming/pipeline";
import { compose, type ConsumerOptions } from "@livetranslate/functions/composition";
import { type LocalAdapterOptions, localAdapters } from "./adapters.ts";
import { EnvironmentKilledError, type ExecutionEnvironment } from "./event-source/environments.ts";

/** What every environment is built from: the shared adapters' options, less the clients (each makes its own). */
export interface ConsumerEnvironmentConfig extends Omit<LocalAdapterOptions, "clients" | "consumer"> {
  /** How each environment's consumer is built; the engines and the speech detector are shared by all. */
  consumer?: Omit<ConsumerOptions, "probe">;
  /** Crash tests: where this environment may be killed. */
  probe?: (slot: number) => Probe | undefined;
}

/**
 * Environment `slot`: local adapters over its own fused clients and fused engines, composed by the same root as
 * every other function; its handler is that composition's Consumer.
 */
export function createConsumerEnvironment(config: ConsumerEnvironmentConfig, slot: number): ExecutionEnvironment {
  let killed = false;
  const refuse = () => {
    if (killed) throw new EnvironmentKilledError(`execution environment ${slot} is gone`);
  };
  const clients = config.resources.connect((client) =>
    addMiddleware(
      client,
      (next) => async (args) => {
        refuse();
        return next(args);
      },
      { step: "initialize", name: "environmentFuse" },
    ),
  );
  const destroyClients = () => {
    for (const client of Object.values(clients)) client.destroy();
  };
  const { recognizer, translator, synthesizer } = config.engines;
  const adapters = localAdapters({
    ...config,
    clients,
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
    consumer: { ...config.consumer, probe: config.probe?.(slot) },
  });
  const handler = compose(adapters).Consumer;
  return {
    handler,
    kill() {
      killed = true;
      void adapters.consumer.close();
      // Requests in flight fail; anything the environment still tries is refused by the fuse.
      destroyClients();
    },
    close() {
      void adapters.consumer.close();
      destroyClients();
    },
  };
}
