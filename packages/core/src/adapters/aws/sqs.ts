/**
 * The consumer's failure queue: a session batch given up on goes there as Lambda's on-failure destination records a
 * Kinesis batch (`requestContext` and `KinesisBatchInfo`), with the session and the last error beside it, so a queue
 * that held the Lambda's failures reads the same.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { FailedBatch, FailedBatches, IamAction } from "../../ports/index.ts";

export class SqsFailedBatches implements FailedBatches {
  static readonly iamActions: readonly IamAction[] = [{ action: "sqs:SendMessage", resource: "queue" }];

  constructor(private readonly options: { client: SQSClient; queueUrl: string; now?: () => Date }) {}

  async record(batch: FailedBatch): Promise<void> {
    const { condition, approximateInvokeCount, sessionId, error, ...batchInfo } = batch;
    const body = {
      version: "1.0",
      timestamp: (this.options.now?.() ?? new Date()).toISOString(),
      requestContext: { condition, approximateInvokeCount },
      responseContext: { functionError: "SessionBatchFailed" },
      KinesisBatchInfo: batchInfo,
      session: { sessionId, error },
    };
    await this.options.client.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify(body) }));
  }
}
