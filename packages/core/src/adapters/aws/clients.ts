/**
 * AWS SDK clients that work both in AWS (no endpoint: the SDK's defaults and the Lambda role) and
 * against the local stand-ins (an endpoint and throwaway credentials).
 */
import { ApiGatewayManagementApiClient, type ApiGatewayManagementApiClientConfig } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTDataPlaneClient, type IoTDataPlaneClientConfig } from "@aws-sdk/client-iot-data-plane";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { isRetryable } from "./retry.ts";

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

/**
 * A table throttled past its throughput (a new on-demand table before it scales, one hot partition) is waited out
 * rather than failing the batch that wrote to it: 6 attempts instead of the SDK's 3, its throttling backoff (a random
 * share of a ceiling that starts at 1 s and doubles) waiting about 15 s in all on average. Past that the caller
 * fails, as on any error: a table throttled that long must be pre-warmed (docs/quotas.md).
 */
export const TABLE_MAX_ATTEMPTS = 6;

export function createDynamoClient(options: ClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({ ...common(options), maxAttempts: TABLE_MAX_ATTEMPTS });
}

/** HTTP/1.1: the SDK's default HTTP/2 handler fails against kinesalite ("Protocol error"). */
export function createKinesisClient(options: ClientOptions = {}): KinesisClient {
  return new KinesisClient({ ...common(options), requestHandler: new NodeHttpHandler() });
}

/**
 * The shard reader's client: `SubscribeToShard` is an event stream over HTTP/2, the SDK's default handler for Kinesis
 * (the HTTP/1.1 handler above is for kinesalite, which has no HTTP/2 and no enhanced fan-out).
 */
export function createSubscriptionClient(options: ClientOptions = {}): KinesisClient {
  return new KinesisClient(common(options));
}

/** Path-style addressing against a stand-in, which has no per-bucket host names. */
export function createS3Client(options: ClientOptions = {}): S3Client {
  return new S3Client({ ...common(options), forcePathStyle: Boolean(options.endpoint) });
}

/**
 * The management API of a WebSocket API: `https://{api}.execute-api.{region}.amazonaws.com/{stage}` in AWS,
 * the local gateway's `http://127.0.0.1:{port}` in local mode. Only a plain-HTTP or loopback endpoint gets
 * throwaway credentials: an AWS endpoint behind a custom domain must still sign with the Lambda role. Local mode
 * may give its own `requestHandler`, which hands the signed requests to its gateway in process.
 */
export function createManagementClient(
  endpoint: string,
  options: Omit<ClientOptions, "endpoint"> & { requestHandler?: ApiGatewayManagementApiClientConfig["requestHandler"] } = {},
): ApiGatewayManagementApiClient {
  if (!isStandInEndpoint(endpoint)) return new ApiGatewayManagementApiClient({ endpoint, ...options });
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
    ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
  });
}

/**
 * The IoT data plane of the account's broker, where the consumer publishes to listeners by broadcast:
 * `https://{prefix}-ats.iot.{region}.amazonaws.com` in AWS (SST's Realtime `endpoint`), local mode's broker in
 * local mode (throwaway credentials, and its own `requestHandler` that publishes into the broker in process).
 */
export function createBroadcastClient(
  endpoint: string,
  options: Omit<ClientOptions, "endpoint"> & { requestHandler?: IoTDataPlaneClientConfig["requestHandler"] } = {},
): IoTDataPlaneClient {
  const url = endpoint.includes("://") ? endpoint : `https://${endpoint}`;
  if (!isStandInEndpoint(url)) return new IoTDataPlaneClient({ endpoint: url, ...options });
  return new IoTDataPlaneClient({
    endpoint: url,
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
    ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
  });
}

function isStandInEndpoint(endpoint: string): boolean {
  const url = new URL(endpoint);
  return url.protocol === "http:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** What `reportFailedAttempts` sees: one attempt of an AWS request that failed (the SDK may retry it). */
export interface FailedAttempt {
  service: string;
  operation: string;
  errorName: string;
  status?: number;
}

/** Any SDK v3 client, as far as adding middleware goes. */
export interface MiddlewareClient {
  middlewareStack: { add(middleware: never, options: never): void };
}

export type Middleware = (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>;

/** Adds a middleware to any SDK client (their stacks are typed per client; what is added here is generic). */
export function addMiddleware(client: MiddlewareClient, middleware: Middleware, options: { step: string; priority?: string; name: string }): void {
  (client.middlewareStack.add as unknown as (m: Middleware, o: object) => void)(middleware, options);
}

/**
 * Reports every attempt of the client's requests that failed for a passing reason (throttling, 5xx), including
 * those the SDK then retries on its own, which would otherwise leave no trace: inside the retry loop, around the
 * request itself. Answers such as a refused conditional write are not faults and are left to the caller.
 */
export function reportFailedAttempts<C extends MiddlewareClient>(client: C, report: (attempt: FailedAttempt) => void): C {
  addMiddleware(
    client,
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        report({
          service: context.clientName ?? "aws",
          operation: context.commandName ?? "request",
          errorName: e?.name ?? "Error",
          status: e?.$metadata?.httpStatusCode,
        });
        throw error;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "reportFailedAttempts" },
  );
  return client;
}
