/** Lambda entry: WebSocket `$disconnect`. */
import { awsDeps } from "../wiring.ts";
import { createDisconnectHandler } from "../ws/disconnect.ts";

export const handler = createDisconnectHandler(awsDeps);
