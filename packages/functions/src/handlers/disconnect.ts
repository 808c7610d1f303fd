/** Lambda entry: WebSocket `$disconnect`. */
import { awsAdapters, compose } from "../composition.ts";
import type { WebSocketEvent } from "../ws/events.ts";

const handlers = compose(awsAdapters());

export const handler = (event: WebSocketEvent) => handlers.Disconnect(event);
