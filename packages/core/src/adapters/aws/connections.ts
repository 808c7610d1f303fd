/** Posting to WebSocket connections through API Gateway's management API; 410 Gone means the client left. */
import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ConnectionNotifier, Delivery } from "../../ports/index.ts";
import type { ServerMessage } from "../../protocol/index.ts";
import type { IamAction } from "../../ports/iam.ts";

export { createManagementClient } from "./clients.ts";

/** By class, by name (a second copy of the SDK has its own class) or by status (a 410 the SDK did not model). */
function isGone(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === "GoneException" || e?.$metadata?.httpStatusCode === 410;
}

export class ApiGatewayNotifier implements ConnectionNotifier {
  static readonly iamActions: readonly IamAction[] = [{ action: "execute-api:ManageConnections", resource: "wsConnections" }];

  private readonly client: ApiGatewayManagementApiClient;

  constructor(options: { client: ApiGatewayManagementApiClient }) {
    this.client = options.client;
  }

  async post(connectionId: string, message: ServerMessage): Promise<Delivery> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(JSON.stringify(message)) }),
      );
      return "delivered";
    } catch (error) {
      if (isGone(error)) return "gone";
      throw error;
    }
  }

  async disconnect(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
