/**
 * `$default` and the action routes: parses the message, calls core, and answers errors (and pongs) on the
 * same connection. A bad message changes nothing else; the connection stays usable.
 */
import { VisibleError } from "@livetranslate/core/error";
import { acceptChunk, endSession, nextChunkIndex } from "@livetranslate/core/streaming/ingest";
import { Connection } from "@livetranslate/core/domain/connection";
import {
  CLIENT_ACTIONS,
  ClientMessage,
  describeIssues,
  type ErrorMessage,
  MAX_CHUNK_MESSAGE_BYTES,
} from "@livetranslate/core/protocol";
import type { Adapters } from "../adapters.ts";
import type { WebSocketEvent, WebSocketResult } from "./events.ts";

type Deps = Pick<Adapters, "db" | "ingest" | "notifier" | "speakerAccounts" | "log">;

export function createMessageHandler(deps: Deps) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const connectionId = event.requestContext.connectionId;
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
    let action: string | undefined;
    try {
      if (Buffer.byteLength(body) > MAX_CHUNK_MESSAGE_BYTES) {
        throw new VisibleError(
          "message_too_large",
          `message is ${Buffer.byteLength(body)} bytes; the limit is ${MAX_CHUNK_MESSAGE_BYTES} (send shorter audio chunks)`,
          413,
        );
      }
      const json = parseJson(body);
      action = typeof json.action === "string" ? json.action : undefined;
      if (!action || !(CLIENT_ACTIONS as readonly string[]).includes(action)) {
        throw new VisibleError(
          "unknown_action",
          action ? `unknown action "${action}"; use one of ${CLIENT_ACTIONS.join(", ")}` : `the message has no "action"; use one of ${CLIENT_ACTIONS.join(", ")}`,
        );
      }
      const parsed = ClientMessage.safeParse(json);
      if (!parsed.success) {
        const audioIssue = parsed.error.issues.every((i) => i.path[0] === "audioData");
        throw new VisibleError(audioIssue ? "invalid_audio" : "invalid_message", describeIssues(parsed.error));
      }
      await dispatch(deps, connectionId, parsed.data);
    } catch (error) {
      await answerError(deps, connectionId, action, error);
    }
    return { statusCode: 200 };
  };
}

async function dispatch(deps: Deps, connectionId: string, message: ClientMessage): Promise<void> {
  if (message.action === "ping") {
    await deps.notifier.post(connectionId, { type: "pong" });
    return;
  }
  const connection = await Connection.requireRegistered(deps.db, connectionId);
  switch (message.action) {
    case "audioChunk":
      return acceptChunk(deps.db, deps.ingest, connection, message, Date.now(), deps.speakerAccounts);
    case "endSession":
      return endSession(deps.db, deps.ingest, connection, message.sessionId, message.lastChunkIndex, deps.speakerAccounts);
    case "setLanguage":
      return Connection.setLanguage(deps.db, connection, message.language);
    case "chunkPosition": {
      const next = await nextChunkIndex(deps.db, connection, message.sessionId);
      await deps.notifier.post(connectionId, { type: "chunkPosition", sessionId: message.sessionId, nextChunkIndex: next });
      return;
    }
  }
}

function parseJson(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new VisibleError("bad_json", "the message is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new VisibleError("bad_json", "the message must be a JSON object with an \"action\"");
  }
  return value as Record<string, unknown>;
}

async function answerError(deps: Deps, connectionId: string, action: string | undefined, error: unknown) {
  let message: ErrorMessage;
  if (error instanceof VisibleError) {
    message = { type: "error", code: error.code, message: error.message, action };
  } else {
    deps.log({ level: "error", event: "ws.message_failed", connectionId, action, error: String(error) });
    message = { type: "error", code: "internal", message: "the server failed to handle this message; try again", action };
  }
  try {
    await deps.notifier.post(connectionId, message);
  } catch (postError) {
    deps.log({ level: "warn", event: "ws.error_undeliverable", connectionId, error: String(postError) });
  }
}
