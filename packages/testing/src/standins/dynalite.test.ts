import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { queryObjects } from "node:v8";
import { CreateTableCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createDynamoClient } from "@livetranslate/core/adapters/aws/clients";
import { startDynalite } from "./index.ts";

/**
 * The class of the iterators dynalite's queries open on its LevelDB store: taken from a value iterator of the same
 * `level` module dynalite loads, so every live one, dynalite's included, is counted.
 */
async function levelValueIteratorClass(folder: string): Promise<new (...args: never[]) => object> {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve("dynalite"));
  const { Level } = fromDynalite("level") as { Level: new (location: string) => { open(): Promise<void>; values(): object; close(): Promise<void> } };
  const db = new Level(path.join(folder, "probe"));
  await db.open();
  const iterator = db.values() as { constructor: new (...args: never[]) => object; close(): Promise<void> };
  const type = iterator.constructor;
  await iterator.close();
  await db.close();
  return type;
}

describe("the DynamoDB stand-in (dynalite, on disk as local mode keeps it)", () => {
  it("closes what each query opened: a long talk's queries do not pile up LevelDB iterators", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "dynalite-iterators-"));
    const dynamo = await startDynalite({ directory: path.join(folder, "dynamodb") });
    try {
      const client = createDynamoClient(dynamo);
      await client.send(
        new CreateTableCommand({
          TableName: "talks",
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      for (let i = 0; i < 5; i++) await client.send(new PutItemCommand({ TableName: "talks", Item: { pk: { S: "session" }, sk: { S: `c${i}` } } }));
      const IteratorClass = await levelValueIteratorClass(folder);
      // As the consumer reads who listens, batch after batch: whole results and results cut short by a limit.
      for (let i = 0; i < 200; i++) {
        const query = { TableName: "talks", KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: "session" } } };
        const { Items } = await client.send(new QueryCommand(i % 2 ? query : { ...query, Limit: 2 }));
        expect(Items!.length).toBe(i % 2 ? 5 : 2);
      }
      // Closing happens as the response goes out: give the last ones a moment.
      await new Promise((r) => setTimeout(r, 100));
      expect(queryObjects(IteratorClass, { format: "count" })).toBeLessThan(10);
      client.destroy();
    } finally {
      await dynamo.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
