/**
 * The table every entity lives in: its name in ElectroDB's keys, what an entity is built from, and its key schema
 * (generic pk/sk and one gsi1), for creating it locally; infra declares the same shape for AWS.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The ElectroDB service name in every entity's model (part of the stored keys: changing it orphans the data). */
export const SERVICE = "livetranslate";

export interface DbConfig {
  table: string;
  client: DynamoDBClient;
}

/** The table the entities need, for creating it locally (infra declares the same shape for AWS). */
export function tableDefinition(table: string) {
  return {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" as const },
      { AttributeName: "sk", AttributeType: "S" as const },
      { AttributeName: "gsi1pk", AttributeType: "S" as const },
      { AttributeName: "gsi1sk", AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      { AttributeName: "sk", KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "gsi1",
        KeySchema: [
          { AttributeName: "gsi1pk", KeyType: "HASH" as const },
          { AttributeName: "gsi1sk", KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}

/** Creates the table unless it exists and waits until it is ACTIVE (local mode and tests; AWS has infra). */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch {
    await client.send(new CreateTableCommand(tableDefinition(table)));
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}
