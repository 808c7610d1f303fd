// The speakers' audio stream (partition key = sessionId) and where batches that keep failing go.

export const stream = new sst.aws.KinesisStream("AudioStream");

/** The consumer's on-failure destination: batches given up on after the retries, kept for inspection. */
export const consumerFailures = new sst.aws.Queue("ConsumerFailures");
