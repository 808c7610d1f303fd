/**
 * Service entry (the ConsumerService's container): builds the consumer service from the AWS adapters and runs it until
 * ECS stops the task (SIGTERM; SIGINT when run by hand), then drains and exits.
 */
import { pathToFileURL } from "node:url";
import type { Adapters } from "../adapters.ts";
import { awsAdapters, composeService } from "../composition.ts";

export async function main(adapters: Adapters = awsAdapters(), signals: Pick<NodeJS.Process, "once"> = process): Promise<void> {
  const service = composeService(adapters, "ConsumerService");
  const stop = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) signals.once(signal, () => stop.abort());
  await service.run(stop.signal);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(JSON.stringify({ level: "error", event: "consumer_service.failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
      process.exit(1);
    },
  );
}
