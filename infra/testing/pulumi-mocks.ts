/**
 * Pulumi unit-test mocks for running sst.config.ts with SST's real components offline: every resource gets the
 * outputs AWS would give it (ARNs, names, endpoints) so SST's components can build their policies, environments and
 * links from them, and the few provider functions SST calls (region, partition, account, IAM policy documents) are
 * answered as the AWS provider would. Every registration is recorded for the tests.
 */
import { createHash } from "node:crypto";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
}

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom?: boolean;
  id?: string;
}

interface MockCallArgs {
  token: string;
  inputs: Record<string, any>;
}

const short = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 8);

/** The physical name AWS (or the provider's auto-naming) would give a resource. */
function physicalName(name: string, inputs: Record<string, any>): string {
  return inputs.name ?? inputs.bucket ?? inputs.functionName ?? `${name.toLowerCase()}-${short(name)}`;
}

/** Outputs per resource type: only the attributes SST's components and this app read. */
function outputsOf(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  const physical = physicalName(name, inputs);
  const arn = (service: string, resource: string, region = REGION, account = ACCOUNT) => `arn:aws:${service}:${region}:${account}:${resource}`;
  switch (type) {
    case "aws:dynamodb/table:Table":
      return { name: physical, arn: arn("dynamodb", `table/${physical}`), streamArn: arn("dynamodb", `table/${physical}/stream/2026-01-01T00:00:00.000`) };
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket":
      return {
        bucket: physical,
        arn: `arn:aws:s3:::${physical}`,
        bucketDomainName: `${physical}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${physical}.s3.${REGION}.amazonaws.com`,
        region: REGION,
      };
    case "aws:kinesis/stream:Stream":
      return { name: physical, arn: arn("kinesis", `stream/${physical}`) };
    case "aws:kinesis/streamConsumer:StreamConsumer":
      return { name: physical, arn: `${inputs.streamArn}/consumer/${physical}:1767225600` };
    case "aws:sqs/queue:Queue":
      return { name: physical, arn: arn("sqs", physical), url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}` };
    case "aws:sns/topic:Topic":
      return { name: physical, arn: arn("sns", physical) };
    case "aws:lambda/function:Function": {
      const fnArn = arn("lambda", `function:${physical}`);
      return {
        name: physical,
        arn: fnArn,
        qualifiedArn: `${fnArn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
      };
    }
    case "aws:iam/role:Role":
      return { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case "aws:apigatewayv2/api:Api": {
      const id = short(name);
      const scheme = inputs.protocolType === "WEBSOCKET" ? "wss" : "https";
      return { id, apiEndpoint: `${scheme}://${id}.execute-api.${REGION}.amazonaws.com`, executionArn: arn("execute-api", id), arn: `arn:aws:apigateway:${REGION}::/apis/${id}` };
    }
    case "aws:apigatewayv2/stage:Stage":
      return { name: inputs.name ?? "$default", invokeUrl: `https://${inputs.apiId}.execute-api.${REGION}.amazonaws.com/${inputs.name ?? ""}` };
    case "aws:cognito/userPool:UserPool": {
      const id = `${REGION}_${short(name)}`;
      return { id, arn: arn("cognito-idp", `userpool/${id}`), endpoint: `cognito-idp.${REGION}.amazonaws.com/${id}` };
    }
    case "aws:cognito/userPoolClient:UserPoolClient":
      return { id: short(name) };
    case "aws:cloudfront/distribution:Distribution":
      return { id: short(name).toUpperCase(), domainName: `d${short(name)}.cloudfront.net`, arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/${short(name)}`, etag: "E1" };
    case "aws:cloudfront/function:Function":
    case "aws:cloudfront/keyValueStore:KeyValueStore":
      return { arn: `arn:aws:cloudfront::${ACCOUNT}:${type.split(":")[2]?.toLowerCase()}/${physical}`, etag: "E1", id: physical };
    case "random:index/randomBytes:RandomBytes": {
      const bytes = createHash("sha256").update(name).digest().subarray(0, inputs.length ?? 32);
      return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
    default:
      return { arn: arn(type.split(":")[1]?.split("/")[0] ?? "unknown", physical), name: physical };
  }
}

/** The IAM policy JSON the AWS provider's getPolicyDocument would return for these statements. */
export function policyDocumentJson(inputs: Record<string, any>): string {
  const list = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v);
  const statements = (inputs.statements ?? []).map((s: any) => {
    const out: Record<string, unknown> = { Effect: s.effect ?? "Allow" };
    if (s.sid) out.Sid = s.sid;
    if (s.actions) out.Action = list(s.actions);
    if (s.notActions) out.NotAction = list(s.notActions);
    if (s.resources) out.Resource = list(s.resources);
    if (s.notResources) out.NotResource = list(s.notResources);
    if (s.principals) {
      const principal: Record<string, unknown> = {};
      for (const p of s.principals) principal[p.type] = list(p.identifiers);
      out.Principal = principal;
    }
    if (s.conditions?.length) {
      const condition: Record<string, Record<string, unknown>> = {};
      for (const c of s.conditions) (condition[c.test] ??= {})[c.variable] = list(c.values);
      out.Condition = condition;
    }
    return out;
  });
  return JSON.stringify({ Version: inputs.version ?? "2012-10-17", Statement: statements });
}

export function createMocks() {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  const mocks = {
    newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const outputs = args.custom ? outputsOf(args.type, args.name, args.inputs) : {};
      const state = { ...args.inputs, ...outputs };
      resources.push({ type: args.type, name: args.name, custom: args.custom ?? false, inputs: args.inputs, outputs: state });
      // An empty id would leave the resource (and everything derived from it) unknown, as in a preview.
      return { id: (outputs.id as string | undefined) || args.id || `${args.name}-id`, state };
    },
    call(args: MockCallArgs): Record<string, unknown> {
      invokes.push({ token: args.token, inputs: args.inputs });
      switch (args.token) {
        case "aws:index/getRegion:getRegion":
          return { id: REGION, name: REGION, region: REGION, endpoint: `ec2.${REGION}.amazonaws.com`, description: "Europe (Ireland)" };
        case "aws:index/getPartition:getPartition":
          return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDTEST" };
        case "aws:iot/getEndpoint:getEndpoint":
          return { id: "iot", endpointType: args.inputs.endpointType, endpointAddress: `a1b2c3d4e5f6g7-ats.iot.${REGION}.amazonaws.com` };
        // The consumer service's VPC spreads over the region's zones; its image goes to SST's asset registry.
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
          return { id: REGION, names: [`${REGION}a`, `${REGION}b`], zoneIds: ["euw1-az1", "euw1-az2"] };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
          return { id: ACCOUNT, proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`, userName: "AWS", password: "token", authorizationToken: "QVdTOnRva2Vu" };
        case "aws:iam/getPolicyDocument:getPolicyDocument":
          // The provider echoes its inputs (SST reads `statements` back) beside the JSON.
          return { ...args.inputs, id: "policy", json: policyDocumentJson(args.inputs), minifiedJson: policyDocumentJson(args.inputs) };
        default:
          return args.inputs;
      }
    },
  };
  return { mocks, resources, invokes };
}
