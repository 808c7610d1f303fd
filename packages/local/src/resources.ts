/**
 * Local mode's AWS resources, made once: the stand-ins (dynalite, kinesalite, s3rver) with the table, stream and
 * bucket infra creates in AWS, the gateway's @connections API, the broadcast broker (IoT Core's stand-in), and the
 * clients over them. Everything that talks
 * to them gets this whole, and makes its clients with `connect` (a consumer execution environment has its own).
 */
import type { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  createBroadcastClient,
  createDynamoClient,
  createKinesisClient,
  createManagementClient,
  createS3Client,
  type MiddlewareClient,
} from "@livetranslate/core/adapters/aws/clients";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { createDb, ensureTable } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";
import type { BroadcastBroker, Measurements } from "@livetranslate/core/ports";
import { observeFailedAttempts } from "@livetranslate/functions/adapters";
import { LocalBroker } from "./broadcast/broker.ts";
import { InProcessManagementHandler } from "./gateway/in-process-management.ts";
import { ensureBucket, ensureStream, startDynalite, startKinesalite, startS3rver } from "@livetranslate/testing/standins";

/** One set of clients over the resources. */
export interface LocalClients {
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  s3: S3Client;
  /** The gateway's @connections API, its requests handed to the gateway in process. */
  management: ApiGatewayManagementApiClient;
  /** The broker's data plane (IoT Core's `Publish`), its requests handed to the broker in process. */
  broadcast: ReturnType<typeof createBroadcastClient>;
}

export interface LocalResources {
  table: string;
  stream: string;
  bucket: string;
  /** The embedded S3's endpoint, on loopback (local mode serves its audio to clients under /audio). */
  s3Endpoint: string;
  /** The clients of the gateway's and the HTTP API's functions, the event source and the sweeps. */
  clients: LocalClients;
  /** Another set of clients; `decorate` is applied to each first (a consumer environment's fuse). */
  connect(decorate?: (client: MiddlewareClient) => void): LocalClients;
  /** The access key the gateway's @connections API accepts, and the handler that takes its requests in process. */
  connections: { accessKeyId: string; handler: InProcessManagementHandler };
  /** The broker listeners by broadcast connect to, and where and under which prefix they do. */
  broker: LocalBroker;
  broadcast: BroadcastBroker;
  close(): Promise<void>;
}

export interface LocalResourceOptions {
  /** Where the stand-ins keep their data (surviving a restart); in memory when absent. */
  dataDir?: string;
  /** The gateway's URL (its @connections API). */
  gatewayUrl: string;
  /** Where the broadcast broker (MQTT over WebSockets) listens; 0: any free port. */
  broker: { host?: string; port: number; tls?: { cert: string; key: string } };
  /** Every failed AWS attempt is reported to these, as in AWS. */
  log: Log;
  measurements: Measurements;
  /** Fault tests: applied to every client made. */
  decorateClient?: (client: MiddlewareClient) => void;
}

const TABLE = "livetranslate";
const STREAM = "livetranslate-audio";
const BUCKET = "livetranslate-audio";

export async function startResources(options: LocalResourceOptions): Promise<LocalResources> {
  const folder = (name: string) => (options.dataDir ? path.join(options.dataDir, name) : undefined);
  const standIns = await Promise.all([
    startDynalite({ directory: folder("dynamodb") }),
    startKinesalite({ directory: folder("kinesis") }),
    startS3rver({ directory: folder("s3") }),
  ]);
  const [dynamo, kinesis, s3] = standIns;
  const made = <C extends MiddlewareClient>(client: C, decorate?: (client: MiddlewareClient) => void): C => {
    decorate?.(client);
    observeFailedAttempts(client, options);
    options.decorateClient?.(client);
    return client;
  };
  let broker: LocalBroker | undefined;
  const close = async () => {
    await broker?.close();
    for (const standIn of [...standIns].reverse()) await standIn.close();
  };
  const connections = { accessKeyId: `local${randomBytes(6).toString("hex")}`, handler: new InProcessManagementHandler() };
  const connect = (decorate?: (client: MiddlewareClient) => void): LocalClients => {
    if (!broker) throw new Error("local mode's clients are made once its broker is up");
    const publishing = broker;
    return {
      dynamo: made(createDynamoClient(dynamo), decorate),
      kinesis: made(createKinesisClient(kinesis), decorate),
      s3: made(createS3Client(s3), decorate),
      management: made(
        createManagementClient(options.gatewayUrl, {
          credentials: { accessKeyId: connections.accessKeyId, secretAccessKey: "local" },
          requestHandler: connections.handler,
        }),
        decorate,
      ),
      broadcast: made(
        createBroadcastClient(publishing.publishEndpoint.replace("//0.0.0.0:", "//127.0.0.1:"), {
          credentials: { accessKeyId: publishing.accessKeyId, secretAccessKey: "local" },
          requestHandler: publishing.inProcessPublish(),
        }),
        decorate,
      ),
    };
  };
  try {
    const topicPrefix = Broadcast.topicPrefix("local");
    // Listeners by broadcast: an MQTT broker over WebSockets on its own port (the gateway owns its port's upgrades).
    broker = await LocalBroker.start({
      db: createDb({ table: TABLE, client: made(createDynamoClient(dynamo)) }),
      topicPrefix,
      accessKeyId: `local${randomBytes(6).toString("hex")}`,
      host: options.broker.host,
      port: options.broker.port,
      tls: options.broker.tls,
      log: options.log,
    });
    // Reachable as the HTTP API is (a browser on this machine; on another one the app puts in the page's host).
    const broadcast = { url: broker.url.replace("//0.0.0.0:", "//localhost:"), topicPrefix };
    const clients = connect();
    await Promise.all([
      ensureTable(clients.dynamo, TABLE),
      ensureStream(clients.kinesis, STREAM),
      // The listener app fetches audio from another origin (the bucket), as from S3 in AWS.
      ensureBucket(clients.s3, BUCKET, ["*"]),
    ]);
    return { table: TABLE, stream: STREAM, bucket: BUCKET, s3Endpoint: s3.endpoint, clients, connect, connections, broker, broadcast, close };
  } catch (error) {
    await close();
    throw error;
  }
}
