/** The speaker's audio stream on Kinesis: one record per chunk, partition key = sessionId, so a session stays in order. */
import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { z } from "zod";
import type { AudioIngest, IngestRecord } from "../ports.ts";
import { withRetries } from "./retry.ts";

const IngestRecordSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("chunk"),
    sessionId: z.string().min(1),
    chunkIndex: z.number().int().nonnegative(),
    capturedAt: z.number(),
    ingestedAt: z.number(),
    audioData: z.string(),
  }),
  z.object({ kind: z.literal("end"), sessionId: z.string().min(1), ingestedAt: z.number() }),
]);

export function encodeIngestRecord(record: IngestRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** Decodes a record's data (raw bytes, or base64 as in a Lambda Kinesis event); throws naming what is wrong. */
export function decodeIngestRecord(data: Uint8Array | string): IngestRecord {
  const text = typeof data === "string" ? Buffer.from(data, "base64").toString("utf8") : new TextDecoder().decode(data);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("ingest record is not JSON");
  }
  const parsed = IngestRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`ingest record is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}


export class KinesisAudioIngest implements AudioIngest {
  private readonly client: KinesisClient;
  private readonly streamName: string;
  private readonly retries: number;

  constructor(options: { client: KinesisClient; streamName: string; retries?: number }) {
    this.client = options.client;
    this.streamName = options.streamName;
    this.retries = options.retries ?? 4;
  }

  async put(record: IngestRecord): Promise<void> {
    await withRetries(
      () => this.client.send(new PutRecordCommand({ StreamName: this.streamName, PartitionKey: record.sessionId, Data: encodeIngestRecord(record) })),
      this.retries + 1,
    );
  }

}
