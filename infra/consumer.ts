// The stream consumer: one long-running Fargate task (the ConsumerService) reading every shard of the audio stream
// through its enhanced fan-out consumer, so one process holds each session's recognizer stream (docs/quotas.md). No
// Lambda reads the stream: its event source mapping would run a session's batches in several environments at once.
import { broadcastEndpoint, sessionTopics } from "./broadcast";
import { config, functionEnvironment } from "./config";
import { grants } from "./permissions";
import { realtime } from "./realtime";
import { audio, table } from "./storage";
import { consumerFailures, fanOut, fanOutLink, stream } from "./stream";

/** Public subnets only: the task reaches AWS's APIs through its public IP (SST's default for its VPC), no NAT to pay. */
export const vpc = new sst.aws.Vpc("ConsumerVpc");

export const cluster = new sst.aws.Cluster("ConsumerCluster", { vpc });

export const consumerService = new sst.aws.Service("ConsumerService", {
  cluster,
  image: { context: ".", dockerfile: "packages/functions/consumer-service.Dockerfile" },
  // The consumer's links plus the fan-out consumer (its ARN) and the failure queue (its URL); the stream still, for
  // reading an open segment back after a restart.
  link: [table, audio, realtime, stream, broadcastEndpoint, fanOutLink, consumerFailures],
  permissions: grants("ConsumerService", { table, audio, stream, streamConsumer: fanOut.arn, queue: consumerFailures.arn, realtime, broadcastTopics: sessionTopics }),
  cpu: "1 vCPU",
  memory: "2 GB",
  // One task: SubscribeToShard allows one subscription per shard and consumer, and one process must hold a session.
  scaling: { min: 1, max: 1 },
  logging: { retention: config.logRetention },
  environment: { ...functionEnvironment(), TRANSLATE_TERMINOLOGY: config.terminology, TRANSLATE_PARTS_IN_CONTEXT: config.partsInContext, TRANSCRIBE_VOCABULARIES: config.transcribeVocabularies },
  // `sst dev` runs it on this machine, with the same links.
  dev: { command: "node --import tsx packages/functions/src/handlers/consumer-service.ts" },
  transform: {
    service: (args) => {
      // A deploy stops the old task before starting the new one: two tasks would hold a session twice.
      args.deploymentMinimumHealthyPercent = 0;
      args.deploymentMaximumPercent = 100;
      // No shell into the task: SST turns ECS Exec on (and grants its ssmmessages actions) for every service.
      args.enableExecuteCommand = false;
    },
  },
});
