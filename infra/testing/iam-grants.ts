/**
 * Evaluates the policies SST generated for a function's role with an IAM policy simulator: is this action on this
 * resource allowed? Resource kinds (as the adapters declare them) become the ARNs the mocked run gave this app's
 * resources, so a grant on the wrong table, bucket prefix or stream fails as it would in AWS.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT } from "./pulumi-mocks.ts";
import type { PolicyDocument, SstRun } from "./sst-run.ts";

export type ResourceKind = "table" | "tableIndex" | "bucketObject" | "stream" | "streamConsumer" | "queue" | "wsConnections" | "broadcastTopic" | "userPool" | "*";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export async function decide(policies: PolicyDocument[], action: string, resource: string): Promise<Decision> {
  const response = await runSimulation(
    {
      identityPolicies: policies.map((policy, i) => ({ name: `inline${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/function-role`,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
    },
    {},
  );
  if (response.resultType === "error") throw new Error(`cannot simulate ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult as Decision;
}

/** The ARN, in this run, of a resource of each kind the adapters need actions on, and of the bucket itself. */
export function resourceArns(run: SstRun): Record<ResourceKind | "bucket", string> {
  const one = (type: string, name: string) => {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`the run has no ${type} named ${name}`);
    return found.outputs;
  };
  const table = String(one("aws:dynamodb/table:Table", "SessionsTable").arn);
  const bucket = String(one("aws:s3/bucket:Bucket", "AudioBucket").arn);
  const websocket = String(one("aws:apigatewayv2/api:Api", "RealtimeApi").executionArn);
  return {
    table,
    tableIndex: `${table}/index/gsi1`,
    bucket,
    bucketObject: `${bucket}/sessions/s1/segment-1-es.mp3`,
    stream: String(one("aws:kinesis/stream:Stream", "AudioStreamStream").arn),
    streamConsumer: String(one("aws:kinesis/streamConsumer:StreamConsumer", "AudioStreamFanOut").arn),
    queue: String(one("aws:sqs/queue:Queue", "ConsumerFailuresQueue").arn),
    wsConnections: `${websocket}/$default/POST/@connections/Abc123=`,
    broadcastTopic: `arn:aws:iot:eu-west-1:${ACCOUNT}:topic/livetranslate/${run.stage}/session/brave-fox-101/es`,
    userPool: String(one("aws:cognito/userPool:UserPool", "SpeakersUserPool").arn),
    "*": "*",
  };
}
