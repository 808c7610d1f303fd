/**
 * AWS SDK clients that work both in AWS (no endpoint: the SDK's defaults and the Lambda role) and
 * against the local stand-ins (an endpoint and throwaway credentials).
 */
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface ClientOptions {
  /** A stand-in's URL; omit in AWS. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

function common(options: ClientOptions) {
  if (!options.endpoint) {
    // In AWS the SDK's defaults (AWS_REGION, the Lambda role) apply unless told otherwise.
    return {
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
  }
  return {
    endpoint: options.endpoint,
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
  };
}

export function createDynamoClient(options: ClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(common(options));
}

/** HTTP/1.1: the SDK's default HTTP/2 handler fails against kinesalite ("Protocol error"). */
export function createKinesisClient(options: ClientOptions = {}): KinesisClient {
  return new KinesisClient({ ...common(options), requestHandler: new NodeHttpHandler() });
}

/** Path-style addressing against a stand-in, which has no per-bucket host names. */
export function createS3Client(options: ClientOptions = {}): S3Client {
  return new S3Client({ ...common(options), forcePathStyle: Boolean(options.endpoint) });
}

/**
 * The management API of a WebSocket API: `https://{api}.execute-api.{region}.amazonaws.com/{stage}` in AWS,
 * the local gateway's `http://127.0.0.1:{port}` in local mode. Only a plain-HTTP or loopback endpoint gets
 * throwaway credentials: an AWS endpoint behind a custom domain must still sign with the Lambda role.
 */
export function createManagementClient(endpoint: string, options: Omit<ClientOptions, "endpoint"> = {}): ApiGatewayManagementApiClient {
  if (!isStandInEndpoint(endpoint)) return new ApiGatewayManagementApiClient({ endpoint, ...options });
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
  });
}

function isStandInEndpoint(endpoint: string): boolean {
  const url = new URL(endpoint);
  return url.protocol === "http:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}
