/**
 * What the handlers need, built once per process: by `wiring.ts` in AWS, by local mode on one machine.
 * Handlers take a getter so nothing is built (or read from the environment) at import time.
 */
import type { StreamConsumer } from "@livetranslate/core/consumer";
import type { Db } from "@livetranslate/core/db";
import type { Log } from "@livetranslate/core/log";
import type { AudioIngest, ConnectionNotifier, Metrics } from "@livetranslate/core/ports";
import type { LanguagesResponse } from "@livetranslate/core/protocol";

export interface Deps {
  db: Db;
  ingest: AudioIngest;
  notifier: ConnectionNotifier;
  /** Only the stream handler needs it (local mode gives each execution environment its own). */
  consumer?: StreamConsumer;
  /** What the configured engines support right now. */
  languages(): LanguagesResponse;
  log: Log;
  metrics?: Metrics;
}

export type GetDeps = () => Deps;
