/**
 * Builds a service from `awsAdapters()` in this process, which holds only the environment its container gets (run
 * by infra/contracts.test.ts in a child process): every adapter the service builds reads its linked resource, so a
 * link infra forgot fails here by name. Prints one JSON line: `{ built: true }` or `{ error }`.
 */
import { awsAdapters, composeService } from "../composition.ts";
import type { ServiceName } from "../deployment.ts";

const name = process.argv[2] as ServiceName;
try {
  composeService(awsAdapters(), name);
  console.log(JSON.stringify({ built: true }));
} catch (error) {
  console.log(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
