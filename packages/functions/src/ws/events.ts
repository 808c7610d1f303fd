/** The API Gateway WebSocket event shapes the handlers read (aws-lambda's types omit $connect's query). */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined>;
};

export type WebSocketResult = APIGatewayProxyResultV2 & { statusCode: number; body?: string };
