/** Lambda entry: WebSocket `$connect`. */
import { awsAdapters, compose } from "../composition.ts";
import type { WebSocketEvent } from "../ws/events.ts";

const handlers = compose(awsAdapters());

export const handler = (event: WebSocketEvent) => handlers.Connect(event);
