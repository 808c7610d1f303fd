/** Record and object lifetimes, played locally.
 *
 * dynalite has no TTL: local mode deletes records whose `expiresAt` (epoch seconds) has passed, as DynamoDB would. */
import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

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

/** The S3 lifecycle rule's stand-in: deletes audio objects older than their lifetime. */
export async function sweepExpiredObjects(client: S3Client, bucket: string, prefix: string, maxAgeMs: number, nowMs = Date.now()): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.LastModified && nowMs - object.LastModified.getTime() >= maxAgeMs) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
        deleted++;
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return deleted;
}
