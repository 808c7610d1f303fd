/**
 * Posting to connections: one message to many in parallel, gone connections forgotten, API Gateway's request quota
 * met by a retry budget and then a dropped post for that one connection.
 */
import { Connection } from "../../domain/connection/index.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { ServerMessage } from "../../protocol/index.ts";
import type { PipelineDeps } from "./index.ts";
import { CAPTION_RETRY, QUOTA_RETRY, withinQuota } from "./quota.ts";

export function segmentIdOf(sessionId: string, sequenceNumber: number): string {
  return `${sessionId}-${String(sequenceNumber).padStart(5, "0")}`;
}

/** The speaker sees the words of the open segment as they are recognized (interim, may be revised). */
export async function postInterim(
  deps: Pick<PipelineDeps, "notifier" | "db" | "log">,
  interim: { sessionId: string; speakers: readonly string[]; sequenceNumber: number; language: string; text: string; startMs: number; endMs: number },
): Promise<void> {
  await postAll(deps, interim.speakers, {
    type: "transcript",
    sessionId: interim.sessionId,
    segmentId: segmentIdOf(interim.sessionId, interim.sequenceNumber),
    sequenceNumber: interim.sequenceNumber,
    language: interim.language,
    text: interim.text,
    isFinal: false,
    startMs: Math.round(interim.startMs),
    endMs: Math.round(interim.endMs),
  });
}

/**
 * Posts one message to many connections in parallel; gone connections are forgotten. A post refused by API
 * Gateway's request quota is retried within the quota budget (a caption's is longer: `CAPTION_RETRY`), then dropped
 * for that one listener (logged and counted: `PostsDropped`, and `CaptionsDropped` for a caption): the others have
 * it, and failing the delivery would re-post to all of them. With
 * `required`, any other failure fails the delivery so it is retried; otherwise (interims, status) it is logged and
 * counted. Resolves to the number of posts dropped under the quota.
 */
export async function postAll(
  deps: Pick<PipelineDeps, "notifier" | "db" | "log" | "measurements" | "sleep">,
  connectionIds: readonly string[],
  message: ServerMessage,
  required = false,
): Promise<number> {
  let dropped = 0;
  const caption = message.type === "transcript" && message.isFinal;
  const budget = caption ? CAPTION_RETRY : QUOTA_RETRY;
  const failures = await Promise.all(
    connectionIds.map(async (connectionId) => {
      try {
        const delivery = await withinQuota(() => deps.notifier.post(connectionId, message), { sleep: deps.sleep, onRetry: () => deps.measurements?.count("QuotaRetries") }, budget);
        if (delivery === "gone") await Connection.leave(deps.db, connectionId);
        return undefined;
      } catch (error) {
        if (isQuotaError(error)) {
          dropped++;
          deps.log({ level: "warn", event: "quota.post_dropped", connectionId, type: message.type, errorName: (error as Error).name });
          deps.measurements?.count("PostsDropped");
          if (caption) deps.measurements?.count("CaptionsDropped");
          return undefined;
        }
        deps.log({
          level: "warn",
          event: "notify.failed",
          connectionId,
          type: message.type,
          errorName: (error as Error)?.name,
          error: error instanceof Error ? error.message : String(error),
        });
        deps.measurements?.count("NotifyFailures");
        return error;
      }
    }),
  );
  const failed = failures.find((f) => f !== undefined);
  if (required && failed !== undefined) throw failed;
  return dropped;
}
