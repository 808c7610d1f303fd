/** Lambda entry: WebSocket `$connect`. */
import { awsDeps } from "../wiring.ts";
import { createConnectHandler } from "../ws/connect.ts";

export const handler = createConnectHandler(awsDeps);
