/** Lambda entry: WebSocket `$connect`. */
import { awsAdapters } from "../aws-adapters.ts";
import { compose } from "../compose.ts";
import type { WebSocketEvent } from "../ws/events.ts";

const handlers = compose(awsAdapters());

export const handler = (event: WebSocketEvent) => handlers.Connect(event);
