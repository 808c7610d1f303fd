/** Lambda entry: WebSocket `$default` and the action routes. */
import { awsAdapters, compose } from "../composition.ts";
import type { WebSocketEvent } from "../ws/events.ts";

const handlers = compose(awsAdapters());

export const handler = (event: WebSocketEvent) => handlers.Message(event);
