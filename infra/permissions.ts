// What each function's role allows: the IAM actions its adapters declare (FUNCTION_IAM_ACTIONS), on this app's
// resources, and nothing else. SST's links grant whole services on what they link (`dynamodb:*`, `s3:*`,
// `kinesis:*`): the internet-facing functions could delete or scan the table, the Consumer change the bucket's policy
// or its one-day lifecycle, the Message function delete the stream. Here links carry only the names and URLs
// `Resource` reads; the grants come from the composition.
import type { ResourceKind } from "../packages/core/src/adapters/aws/iam";
import { type ComputeName, FUNCTION_IAM_ACTIONS } from "../packages/functions/src/deployment";

/** Translated audio is written under this prefix only: the bucket's one-day lifecycle rule expires exactly these keys. */
export const AUDIO_PREFIX = "sessions/";

/** Linking one of these gives a function its name and URLs, and no permission (before any resource is created). */
export function linkNamesOnly(): void {
  namesOnly(sst.aws.Dynamo);
  namesOnly(sst.aws.Bucket);
  namesOnly(sst.aws.KinesisStream);
  namesOnly(sst.aws.ApiGatewayWebSocket);
  namesOnly(sst.aws.CognitoUserPool);
  namesOnly(sst.aws.Queue);
}

function namesOnly<T extends { getSSTLink(): { properties: Record<string, unknown> } }>(component: { new (...args: any[]): T; prototype: T }) {
  const sstLink = component.prototype.getSSTLink;
  sst.Linkable.wrap(component, (resource) => ({ properties: sstLink.call(resource).properties }));
}

/** The resources a function's actions are granted on (those it needs). */
export interface GrantedOn {
  table: sst.aws.Dynamo;
  audio?: sst.aws.Bucket;
  stream?: sst.aws.KinesisStream;
  /** The stream's enhanced fan-out consumer (its ARN). */
  streamConsumer?: $util.Input<string>;
  /** The failure queue (its ARN). */
  queue?: $util.Input<string>;
  realtime?: sst.aws.ApiGatewayWebSocket;
  /** The ARN pattern of this stage's session topics on the listeners' broker. */
  broadcastTopics?: $util.Input<string>;
  speakers?: sst.aws.CognitoUserPool;
}

/** The role statements for a function: its adapters' actions, one statement per kind of resource. */
export function grants(fn: ComputeName, on: GrantedOn): { actions: string[]; resources: $util.Input<string>[] }[] {
  const byKind = new Map<ResourceKind, string[]>();
  for (const { action, resource } of FUNCTION_IAM_ACTIONS[fn]) byKind.set(resource, [...(byKind.get(resource) ?? []), action]);
  return [...byKind].map(([kind, actions]) => ({ actions, resources: [arnOf(kind, on, fn)] }));
}

function arnOf(kind: ResourceKind, on: GrantedOn, fn: ComputeName): $util.Input<string> {
  const needed = <T>(resource: T | undefined, name: string): T => {
    if (!resource) throw new Error(`${fn} needs actions on the ${name}: pass it to grants("${fn}", ...)`);
    return resource;
  };
  switch (kind) {
    case "table":
      return on.table.arn;
    case "tableIndex":
      return $interpolate`${on.table.arn}/index/*`;
    case "bucketObject":
      return $interpolate`${needed(on.audio, "audio bucket").arn}/${AUDIO_PREFIX}*`;
    case "stream":
      return needed(on.stream, "stream").nodes.stream.arn;
    case "streamConsumer":
      return needed(on.streamConsumer, "stream's fan-out consumer");
    case "queue":
      return needed(on.queue, "failure queue");
    case "wsConnections":
      return $interpolate`${needed(on.realtime, "WebSocket API").nodes.api.executionArn}/*/*/@connections/*`;
    case "broadcastTopic":
      return needed(on.broadcastTopics, "broadcast topics");
    case "userPool":
      return needed(on.speakers, "speakers' user pool").nodes.userPool.arn;
    case "*":
      return "*";
  }
}
