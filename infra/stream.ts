// The speakers' audio stream (partition key = sessionId), its enhanced fan-out consumer, and where session batches
// that keep failing go.

/**
 * Encrypted at rest with the AWS managed key for Kinesis: producers and consumers need no KMS permission for it (only
 * a customer managed key needs key policy and IAM grants). Records are kept Kinesis's minimum, 24 hours.
 */
export const stream = new sst.aws.KinesisStream("AudioStream", {
  transform: {
    stream: (args) => {
      args.encryptionType = "KMS";
      args.kmsKeyId = "alias/aws/kinesis";
    },
  },
});

/**
 * Enhanced fan-out: Kinesis pushes records to the ConsumerService's subscriptions within about 70 ms, where a standard
 * iterator polls each shard once per second (about half a second more per caption). Its ARN also keys the service's
 * per-shard progress.
 */
export const fanOut = new aws.kinesis.StreamConsumer("AudioStreamFanOut", {
  name: $interpolate`${$app.name}-${$app.stage}-consumer`,
  streamArn: stream.nodes.stream.arn,
});

/** The fan-out consumer's ARN, for the ConsumerService's `Resource` (a raw Pulumi resource links nothing itself). */
export const fanOutLink = new sst.Linkable("AudioStreamFanOut", { properties: { arn: fanOut.arn } });

/** The consumer's on-failure destination: batches given up on after the retries, kept for inspection. */
export const consumerFailures = new sst.aws.Queue("ConsumerFailures");
