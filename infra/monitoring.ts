// Alarms and a dashboard: end-to-end latency, handler errors, consumer lag, the consumer task down, failed batches, listeners' audio
// downloads. Metrics are per stage (namespace livetranslate/<stage>); every alarm notifies one SNS topic, e-mailed
// to LIVETRANSLATE_ALARM_EMAIL when set at deploy.
import { httpFunction } from "./api";
import { broadcastAuthorizer, broadcastPresence } from "./broadcast";
import { config, metricsNamespace } from "./config";
import { cluster, consumerService } from "./consumer";
import { connect, disconnect, message } from "./realtime";
import { consumerFailures, fanOut, stream } from "./stream";

const NAMESPACE = metricsNamespace();
const SERVICE = { service: "pipeline" };

export const alarmTopic = new aws.sns.Topic("Alarms", { name: $interpolate`${$app.name}-${$app.stage}-alarms` });
export const alarmEmail = config.alarmEmail
  ? new aws.sns.TopicSubscription("AlarmEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: config.alarmEmail })
  : undefined;
const notify = { alarmActions: [alarmTopic.arn], okActions: [alarmTopic.arn] };

/** From the end of speech to the last translated-audio notification, p90 over 3 minutes. */
export const latencyAlarm = new aws.cloudwatch.MetricAlarm("EndToEndLatencyAlarm", {
  alarmDescription: "p90 from end of speech to translated audio at listeners is above 5 s",
  namespace: NAMESPACE,
  metricName: "EndToEndLatency",
  dimensions: SERVICE,
  extendedStatistic: "p90",
  period: 60,
  evaluationPeriods: 3,
  threshold: 5000,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

const handlers = {
  Connect: connect,
  Disconnect: disconnect,
  Message: message,
  Http: httpFunction,
  BroadcastAuthorizerHandler: broadcastAuthorizer,
  BroadcastPresenceHandler: broadcastPresence,
};

/** A percentage in CloudWatch metric math, 0 when nothing happened (no division by zero, no scalar in MAX's array). */
const percentOf = (part: string, whole: string) => `IF(${whole} > 0, 100 * ${part} / ${whole}, 0)`;

const lambdaSum = (metricName: string, functionName: $util.Input<string>) => ({
  namespace: "AWS/Lambda",
  metricName,
  dimensions: { FunctionName: functionName },
  period: 60,
  stat: "Sum",
});

/** Errors / invocations above 5% for 5 minutes, per handler. */
export const errorRateAlarms = Object.entries(handlers).map(
  ([name, fn]) =>
    new aws.cloudwatch.MetricAlarm(`${name}ErrorRateAlarm`, {
      alarmDescription: `${name} handler error rate above 5%`,
      evaluationPeriods: 5,
      threshold: 5,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...notify,
      metricQueries: [
        { id: "errors", metric: lambdaSum("Errors", fn.nodes.function.name) },
        { id: "invocations", metric: lambdaSum("Invocations", fn.nodes.function.name) },
        { id: "rate", expression: percentOf("errors", "invocations"), label: "Error rate (%)", returnData: true },
      ],
    }),
);

/** Listeners report their audio downloads (POST /listener-reports); more than 10% failing for 5 minutes alarms. */
const listenerSum = (metricName: string) => ({ namespace: NAMESPACE, metricName, dimensions: { service: "listener" }, period: 60, stat: "Sum" });
export const downloadFailuresAlarm = new aws.cloudwatch.MetricAlarm("AudioDownloadFailuresAlarm", {
  alarmDescription: "More than 10% of listeners' translated-audio downloads fail",
  evaluationPeriods: 5,
  threshold: 10,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
  metricQueries: [
    { id: "failures", metric: listenerSum("AudioDownloadFailures") },
    { id: "downloads", metric: listenerSum("AudioDownloads") },
    { id: "rate", expression: percentOf("failures", "downloads"), label: "Download failures (%)", returnData: true },
  ],
});

/** The consumer falls behind the stream: the records its subscriptions deliver are ever older. */
const behindLatest = { StreamName: stream.name, ConsumerName: fanOut.name };
export const iteratorAgeAlarm = new aws.cloudwatch.MetricAlarm("ConsumerIteratorAgeAlarm", {
  alarmDescription: "The stream consumer is falling behind (fan-out MillisBehindLatest above 30 s for 3 minutes)",
  namespace: "AWS/Kinesis",
  metricName: "SubscribeToShardEvent.MillisBehindLatest",
  dimensions: behindLatest,
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 3,
  threshold: 30_000,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

/**
 * The consumer task is not running (crashed, failing its health, or never placed): no session is translated. ECS
 * reports a running service's CPU every minute; no report at all is the task missing. `sst dev` runs the consumer on
 * the developer's machine, with no ECS service to watch.
 */
export const consumerDownAlarm = $dev
  ? undefined
  : new aws.cloudwatch.MetricAlarm("ConsumerDownAlarm", {
      alarmDescription: "The stream consumer task is not running (no CPU reported by ECS for 3 minutes): no session is being translated",
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: { ClusterName: cluster.nodes.cluster.name, ServiceName: consumerService.nodes.service.name },
      statistic: "SampleCount",
      period: 60,
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      ...notify,
    });

/** Any batch given up on lands in the failure queue. */
export const failuresAlarm = new aws.cloudwatch.MetricAlarm("ConsumerFailuresAlarm", {
  alarmDescription: "Audio batches were given up on after retries (the failure queue is not empty)",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: consumerFailures.nodes.queue.name },
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

const stage = (name: string) => [NAMESPACE, name, "service", "pipeline", { stat: "p50", label: `${name} p50` }];

export const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
  dashboardName: $interpolate`livetranslate-${$app.stage}`,
  dashboardBody: $jsonStringify({
    widgets: [
      {
        type: "metric",
        width: 12,
        height: 6,
        properties: {
          title: "Latency per stage (ms)",
          region: aws.getRegionOutput().name,
          metrics: ["SegmenterWait", "TranscriptionLatency", "TranslationLatency", "SynthesisLatency", "StoreLatency", "NotifyLatency"].map(stage),
          view: "timeSeries",
          stacked: true,
        },
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        properties: {
          title: "End to end (ms)",
          region: aws.getRegionOutput().name,
          metrics: [
            [NAMESPACE, "EndToEndLatency", "service", "pipeline", { stat: "p50" }],
            ["...", { stat: "p90" }],
          ],
          annotations: { horizontal: [{ value: 5000, label: "alarm" }] },
        },
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        properties: {
          title: "Consumer behind the stream (ms) and failures",
          region: aws.getRegionOutput().name,
          metrics: [
            ["AWS/Kinesis", "SubscribeToShardEvent.MillisBehindLatest", "StreamName", stream.name, "ConsumerName", fanOut.name, { stat: "Maximum" }],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", consumerFailures.nodes.queue.name, { yAxis: "right" }],
          ],
        },
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        properties: {
          title: "Handler errors",
          region: aws.getRegionOutput().name,
          metrics: Object.values(handlers).map((fn) => ["AWS/Lambda", "Errors", "FunctionName", fn.nodes.function.name, { stat: "Sum" }]),
        },
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        properties: {
          title: "Listeners' audio downloads: latency p90 (ms), downloads and failures",
          region: aws.getRegionOutput().name,
          metrics: [
            [NAMESPACE, "AudioDownloadLatency", "service", "listener", { stat: "p90" }],
            [NAMESPACE, "AudioDownloads", "service", "listener", { stat: "Sum", yAxis: "right" }],
            [NAMESPACE, "AudioDownloadFailures", "service", "listener", { stat: "Sum", yAxis: "right" }],
          ],
        },
      },
    ],
  }),
});

