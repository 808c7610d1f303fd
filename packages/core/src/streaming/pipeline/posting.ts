/**
 * Sending to listeners: posting one message to many connections in parallel, gone connections forgotten, API
 * Gateway's request quota met by a retry budget and then a dropped post for that one connection; and publishing it
 * once to a broadcast channel, which reaches every listener of the channel.
 */
import { Connection } from "../../domain/connection/index.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { BroadcastChannel } from "../../ports/index.ts";
import type { ServerMessage } from "../../protocol/index.ts";
import type { PipelineDeps } from "./index.ts";
import { retryBudgetOf, withinQuota } from "./quota.ts";

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
  const budget = retryBudgetOf(message);
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

/** Who one message goes to: connections, each posted to, and a broadcast channel published to once. */
export interface Recipients {
  connections: readonly string[];
  channel?: BroadcastChannel;
}

/**
 * Posts `message` to the connections and publishes it to the channel, in parallel, as `postAll` posts (required).
 * A publish throttled past the retry budget fails (a quota error): unlike a post it is every listener of the
 * channel's copy, so the caller gives the part up for the language (marked done, the batch goes on) rather than
 * drop it silently. Resolves to the number of posts dropped under the quota.
 */
export async function sendTo(
  deps: Pick<PipelineDeps, "notifier" | "broadcast" | "db" | "log" | "measurements" | "sleep">,
  recipients: Recipients,
  message: ServerMessage,
): Promise<number> {
  const [dropped] = await Promise.all([
    postAll(deps, recipients.connections, message, true),
    recipients.channel ? publish(deps, recipients.channel, message) : undefined,
  ]);
  return dropped;
}

/**
 * One publish under IoT Core's inbound publish rate. A part's message is its caption for every broadcast listener
 * of the language, so it gets a caption's budget (`retryBudgetOf`); past it the publish is counted (`PublishesDropped`), logged and
 * its quota error goes up to the caller. Every throttled attempt, retried or the last, counts `PublishesThrottled`.
 */
async function publish(deps: Pick<PipelineDeps, "broadcast" | "log" | "measurements" | "sleep">, channel: BroadcastChannel, message: ServerMessage): Promise<void> {
  const { broadcast } = deps;
  if (!broadcast) throw new Error(`listeners of ${channel.sessionId}/${channel.language} listen by broadcast, but no broadcast publisher is configured`);
  try {
    const onRetry = () => {
      deps.measurements?.count("QuotaRetries");
      deps.measurements?.count("PublishesThrottled");
    };
    await withinQuota(() => broadcast.publish(channel, message), { sleep: deps.sleep, onRetry }, retryBudgetOf(message));
  } catch (error) {
    if (isQuotaError(error)) {
      deps.measurements?.count("PublishesThrottled");
      deps.log({ level: "warn", event: "quota.publish_dropped", sessionId: channel.sessionId, language: channel.language, type: message.type, errorName: (error as Error).name });
      deps.measurements?.count("PublishesDropped");
    }
    throw error;
  }
}

/**
 * The session is over: every connection hears it, and so does every language's broadcast channel (listened to or
 * not: a listener whose heartbeat lapsed may still be subscribed). A failed publish is logged and counted; the
 * listener app also asks the session's state when its connection drops.
 */
export async function announceEnd(
  deps: Pick<PipelineDeps, "notifier" | "db" | "log" | "measurements" | "broadcast" | "sleep">,
  connectionIds: readonly string[],
  session: { sessionId: string; targetLanguages: readonly string[] },
  chunksLost = 0,
): Promise<void> {
  const message: ServerMessage = { type: "sessionEnded", sessionId: session.sessionId, ...(chunksLost > 0 ? { chunksLost } : {}) };
  await Promise.all([
    postAll(deps, connectionIds, message),
    ...(deps.broadcast ? session.targetLanguages : []).map((language) =>
      publish(deps, { sessionId: session.sessionId, language }, message).catch((error: unknown) => {
        deps.log({ level: "warn", event: "broadcast.failed", sessionId: session.sessionId, language, type: message.type, errorName: (error as Error)?.name });
        deps.measurements?.count("BroadcastFailures");
      }),
    ),
  ]);
}
