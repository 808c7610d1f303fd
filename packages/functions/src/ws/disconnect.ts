/** `$disconnect`: forgets the connection. */
import { Connection } from "@livetranslate/core/domain/connection";
import type { Adapters } from "../adapters.ts";
import type { WebSocketEvent, WebSocketResult } from "./events.ts";

export function createDisconnectHandler({ db, log }: Pick<Adapters, "db" | "log">) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    await Connection.leave(db, event.requestContext.connectionId);
    log({ level: "info", event: "ws.disconnect", connectionId: event.requestContext.connectionId });
    return { statusCode: 200 };
  };
}
