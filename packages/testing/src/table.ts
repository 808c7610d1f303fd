/**
 * The tests' DynamoDB: a fresh in-memory dynalite with the table created and its entities built on it, as every
 * entity, pipeline and handler test needs.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDynamoClient } from "@livetranslate/core/adapters/aws/clients";
import { createDb, type Db, ensureTable } from "@livetranslate/core/domain/db";
import { type StandIn, startDynalite } from "./standins/index.ts";

export interface TestTable {
  dynamo: StandIn;
  client: DynamoDBClient;
  table: string;
  db: Db;
  close(): Promise<void>;
}

export async function startTestTable(table = "livetranslate"): Promise<TestTable> {
  const dynamo = await startDynalite();
  const client = createDynamoClient(dynamo);
  await ensureTable(client, table);
  return { dynamo, client, table, db: createDb({ table, client }), close: () => dynamo.close() };
}
