/** Record and object lifetimes, played locally.
 *
 * dynalite has no TTL: local mode deletes records whose `expiresAt` (epoch seconds) has passed, as DynamoDB would. */
import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
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

/**
 * Kinesis keeps records 24 hours. kinesalite deletes a record past its retention only when a read reaches it,
 * and the event source never reads behind its position: with local mode's data on disk, a stream used every week
 * would keep every talk (about 160 MB per hour of speech). Reading each shard from its oldest record trims them;
 * the read stops at the first record still within retention. Returns the pages read.
 */
export async function trimExpiredStreamRecords(client: KinesisClient, streamName: string, maxPages = 1000): Promise<number> {
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
  let pages = 0;
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }),
    );
    while (iterator && pages < maxPages) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      pages++;
      // Records came back: what lies before them is gone, and they and what follows are within retention.
      if ((page.Records ?? []).length > 0 || !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
  }
  return pages;
}
