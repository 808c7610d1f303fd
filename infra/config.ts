// Settings a deployment may change, read from the environment of `sst deploy` (documented in the README).
export const config = {
  /** Seconds the Kinesis event source waits to fill a batch: whole seconds; 0 invokes as soon as records arrive. */
  batchWindowSeconds: Number(process.env.LIVETRANSLATE_BATCH_WINDOW_SECONDS ?? 0),
  batchSize: Number(process.env.LIVETRANSLATE_BATCH_SIZE ?? 100),
  /** Concurrent batches per shard; order per session holds (records of one partition key stay in order). */
  parallelizationFactor: Number(process.env.LIVETRANSLATE_PARALLELIZATION ?? 4),
  retryAttempts: 3,
  /** Amazon Translate custom terminology names, comma-separated. */
  terminology: process.env.LIVETRANSLATE_TERMINOLOGY ?? "",
};

/** The Lambda entry of a handler module in packages/functions/src/handlers. */
export const handler = (name: string) => `packages/functions/src/handlers/${name}.handler`;
