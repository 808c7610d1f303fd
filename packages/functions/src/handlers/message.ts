/** Lambda entry: WebSocket `$default` and the action routes. */
import { awsDeps } from "../wiring.ts";
import { createMessageHandler } from "../ws/message.ts";

export const handler = createMessageHandler(awsDeps);
