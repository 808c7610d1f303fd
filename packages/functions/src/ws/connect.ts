/** `$connect`: checks who is connecting, registers the connection, or refuses the upgrade with a 4xx. */
import { VisibleError } from "@livetranslate/core/error";
import { Connection } from "@livetranslate/core/domain/connection";
import { ConnectQuery, describeIssues } from "@livetranslate/core/protocol";
import type { Adapters } from "../adapters.ts";
import type { WebSocketEvent, WebSocketResult } from "./events.ts";

export function createConnectHandler({ db, limits, speakerAccounts, log }: Pick<Adapters, "db" | "limits" | "speakerAccounts" | "log">) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const connectionId = event.requestContext.connectionId;
    const query = ConnectQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return refuse(400, "bad_request", describeIssues(query.error));
    try {
      const connection = await Connection.join(db, connectionId, query.data, { limits, speakerAccounts });
      log({ level: "info", event: "ws.connect", connectionId, sessionId: connection.sessionId, role: connection.role, language: connection.language });
      return { statusCode: 200 };
    } catch (error) {
      if (error instanceof VisibleError) return refuse(error.status, error.code, error.message);
      log({ level: "error", event: "ws.connect_failed", connectionId, error: String(error) });
      return refuse(500, "internal", "the server could not register this connection; try again");
    }
  };
}

function refuse(statusCode: number, code: string, message: string): WebSocketResult {
  return { statusCode, body: JSON.stringify({ error: { code, message } }) };
}
