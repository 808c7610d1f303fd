/** dynalite has no TTL: local mode deletes records whose `expiresAt` (epoch seconds) has passed, as DynamoDB would. */
import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";

export async function sweepExpiredRecords(client: DynamoDBClient, table: string, nowMs = Date.now()): Promise<number> {
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "expiresAt < :now",
        ExpressionAttributeValues: { ":now": { N: String(Math.floor(nowMs / 1000)) } },
        ProjectionExpression: "pk, sk",
        ExclusiveStartKey: startKey as never,
      }),
    );
    for (const key of page.Items ?? []) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
      deleted++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}
