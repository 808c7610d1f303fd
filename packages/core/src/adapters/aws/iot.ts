/**
 * Publishing to listeners by broadcast through AWS IoT Core's data plane (`Publish`, HTTPS): one request per message
 * and channel; the broker delivers it to every subscriber of the topic. Local mode runs this same adapter against
 * its embedded MQTT broker's emulation of the same API.
 */
import { type IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { z } from "zod";
import type { ServerMessage } from "../../protocol/index.ts";
import { Broadcast } from "../../domain/broadcast/index.ts";
import type { ListenerPresence } from "../../domain/broadcast/presence.ts";
import type { Db } from "../../domain/db/index.ts";
import type { BroadcastChannel, BroadcastPublisher } from "../../ports/index.ts";
import type { IamAction } from "./iam.ts";

export { createBroadcastClient } from "./clients.ts";

/** IoT Core refuses a message over 128 KB (RequestEntityTooLargeException); a part's message is far below. */
export const MAX_BROADCAST_MESSAGE_BYTES = 128 * 1024;

export class IotBroadcastPublisher implements BroadcastPublisher {
  static readonly iamActions: readonly IamAction[] = [{ action: "iot:Publish", resource: "broadcastTopic" }];

  private readonly client: IoTDataPlaneClient;
  private readonly prefix: string;

  constructor(options: { client: IoTDataPlaneClient; topicPrefix: string }) {
    this.client = options.client;
    this.prefix = options.topicPrefix;
  }

  async publish(channel: BroadcastChannel, message: ServerMessage): Promise<void> {
    const payload = new TextEncoder().encode(JSON.stringify(message));
    if (payload.byteLength > MAX_BROADCAST_MESSAGE_BYTES) {
      throw new Error(`a ${message.type} message of ${payload.byteLength} bytes is over IoT Core's ${MAX_BROADCAST_MESSAGE_BYTES} bytes`);
    }
    // QoS 1: the broker retries delivery to a subscriber that asked for QoS 1 until it acknowledges; listeners drop
    // a part they already have.
    await this.client.send(new PublishCommand({ topic: Broadcast.topic(this.prefix, channel.sessionId, channel.language), qos: 1, payload, contentType: "application/json" }));
  }
}

/** What IoT Core hands a custom authorizer for an MQTT connection (the documented event, the fields used here). */
export interface IotAuthorizerEvent {
  protocolData?: { mqtt?: { username?: string; password?: string; clientId?: string } };
}

/** The custom authorizer's documented answer: whether to connect, and the policy the connection then holds. */
export interface IotAuthorizerResponse {
  isAuthenticated: boolean;
  principalId: string;
  disconnectAfterInSeconds: number;
  refreshAfterInSeconds: number;
  policyDocuments: { Version: "2012-10-17"; Statement: { Action: string | string[]; Effect: "Allow" | "Deny"; Resource: string | string[] }[] }[];
}

const CLIENT_ID_PREFIX = "lt-";

/** A listener's MQTT client id: one connection per pass (a second connection with it replaces the first). */
export function broadcastClientId(listenerId: string): string {
  return `${CLIENT_ID_PREFIX}${listenerId}`;
}

/** The listener behind an MQTT client id; undefined for any other client of the account's broker. */
export function listenerIdOf(clientId: string): string | undefined {
  return clientId.startsWith(CLIENT_ID_PREFIX) && clientId.length > CLIENT_ID_PREFIX.length ? clientId.slice(CLIENT_ID_PREFIX.length) : undefined;
}

/**
 * IoT Core's lifecycle event (`$aws/events/presence/{connected|disconnected}/<clientId>`), as a topic rule
 * `SELECT *` hands it to a function: the documented fields used here. Local mode's broker sends the same.
 */
export const IotLifecycleEvent = z.object({
  clientId: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  eventType: z.enum(["connected", "disconnected"]),
  sessionIdentifier: z.string().optional(),
  versionNumber: z.number().int().nonnegative().optional(),
  disconnectReason: z.string().optional(),
});
export type IotLifecycleEvent = z.infer<typeof IotLifecycleEvent>;

/** The lifecycle event as presence reads it; undefined for a client that is not a listener's. */
export function presenceEventOf(event: IotLifecycleEvent): ListenerPresence.Event | undefined {
  const listenerId = listenerIdOf(event.clientId);
  if (!listenerId) return undefined;
  return {
    listenerId,
    connected: event.eventType === "connected",
    at: event.timestamp,
    version: event.versionNumber,
    replaced: event.disconnectReason === "DUPLICATE_CLIENTID",
  };
}

/**
 * The policy a listener's broker connection holds: connect as its own client id, subscribe to and receive its
 * session's language topics, nothing else (no iot:Publish: only the consumer's role may publish). IoT Core asks
 * again every `refreshAfterInSeconds`, so a pass that lapsed (the listener left) closes its connection then.
 */
export function listenerAuthorization(
  listener: Pick<Broadcast.Info, "listenerId" | "sessionId"> | undefined,
  where: { partition: string; region: string; accountId: string; topicPrefix: string },
): IotAuthorizerResponse {
  const arn = (kind: string, name: string) => `arn:${where.partition}:iot:${where.region}:${where.accountId}:${kind}/${name}`;
  if (!listener) return { isAuthenticated: false, principalId: "anonymous", disconnectAfterInSeconds: 300, refreshAfterInSeconds: 300, policyDocuments: [] };
  const session = `${where.topicPrefix}/session/${listener.sessionId}`;
  return {
    isAuthenticated: true,
    principalId: listener.listenerId.replace(/[^a-zA-Z0-9]/g, "").slice(0, 128) || "listener",
    disconnectAfterInSeconds: 86_400,
    refreshAfterInSeconds: Broadcast.AUTHORIZATION_REFRESH_SECONDS,
    policyDocuments: [
      {
        Version: "2012-10-17",
        Statement: [
          { Action: "iot:Connect", Effect: "Allow", Resource: arn("client", broadcastClientId(listener.listenerId)) },
          { Action: "iot:Subscribe", Effect: "Allow", Resource: arn("topicfilter", `${session}/*`) },
          { Action: "iot:Receive", Effect: "Allow", Resource: arn("topic", `${session}/*`) },
        ],
      },
    ],
  };
}

/** The pass a listener's MQTT CONNECT carries as its password (base64 in the event, as IoT Core documents it). */
export function passOf(event: IotAuthorizerEvent): string {
  const password = event.protocolData?.mqtt?.password;
  return password ? Buffer.from(password, "base64").toString("utf8") : "";
}

/** IoT Core's custom authorizer, as a function of the documented event and the Lambda context. */
export type ListenerAuthorizer = (event: IotAuthorizerEvent, context: { invokedFunctionArn: string }) => Promise<IotAuthorizerResponse>;

/**
 * The authorizer of listeners' broker connections: the pass in the MQTT password, checked against its record; the
 * account, region and partition of the policy's ARNs are the authorizer function's own.
 */
export function listenerAuthorizer(db: Db, topicPrefix: string): ListenerAuthorizer {
  return async (event, context) => {
    const [, partition = "aws", , region = "", accountId = ""] = context.invokedFunctionArn.split(":");
    return listenerAuthorization(await Broadcast.authorize(db, passOf(event)), { partition, region, accountId, topicPrefix });
  };
}
