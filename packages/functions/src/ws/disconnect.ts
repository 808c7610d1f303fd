/** `$disconnect`: forgets the connection. */
import { leaveSession } from "@livetranslate/core/join";
import type { GetDeps } from "../deps.ts";
import type { WebSocketEvent, WebSocketResult } from "./events.ts";

export function createDisconnectHandler(getDeps: GetDeps) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const { db, log } = getDeps();
    await leaveSession(db, event.requestContext.connectionId);
    log({ level: "info", event: "ws.disconnect", connectionId: event.requestContext.connectionId });
    return { statusCode: 200 };
  };
}
