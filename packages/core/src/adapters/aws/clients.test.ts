import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandIn, startDynalite } from "@livetranslate/testing/standins";
import { injectFaults, throttled } from "@livetranslate/testing/faults";
import { createDynamoClient, type FailedAttempt, reportFailedAttempts } from "./clients.ts";

describe("reportFailedAttempts", () => {
  let dynamo: StandIn;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it("reports an attempt the SDK retried on its own, by error name, and the request still succeeds", async () => {
    // Prepare
    const failed: FailedAttempt[] = [];
    const client = reportFailedAttempts(createDynamoClient({ endpoint: dynamo.endpoint }), (attempt) => failed.push(attempt));
    const faults = injectFaults(client, [{ operation: "ListTablesCommand", times: 1, error: throttled("ProvisionedThroughputExceededException") }]);
    // Act
    const output = await client.send(new ListTablesCommand({}));
    // Assess
    expect(output.$metadata.attempts).toBe(2);
    expect(faults.injected()).toBe(1);
    expect(failed).toEqual([{ service: "DynamoDBClient", operation: "ListTablesCommand", errorName: "ProvisionedThroughputExceededException", status: 400 }]);
  });
});
