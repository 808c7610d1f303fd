/**
 * Sending to listeners: posting one message to many connections in parallel, gone connections forgotten, API
 * Gateway's request quota met by a retry budget and then a dropped post for that one connection; and publishing it
 * once to a broadcast channel, which reaches every listener of the channel, IoT Core's publish quota met by a retry
 * budget and then by carrying the part with the channel's next publish.
 */
import { Connection } from "../../domain/connection/index.ts";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { BroadcastChannel } from "../../ports/index.ts";
import { type CarriedPart, type PartMessage, placeInTalk, type ServerMessage } from "../../protocol/index.ts";
import * as CarriedParts from "../carried-parts/index.ts";
import type { PipelineDeps } from "./index.ts";
import { END_RETRY, type RetryBudget, retryBudgetOf, withinQuota } from "./quota.ts";

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
 * A part whose publish is throttled past its retry budget is kept for the channel's next publish (`publishPart`):
 * every listener of the channel still gets it, once. Resolves to the number of posts dropped under the quota and
 * whether the part is carried.
 */
export async function sendTo(
  deps: Pick<PipelineDeps, "notifier" | "broadcast" | "db" | "log" | "measurements" | "sleep">,
  recipients: Recipients,
  message: PartMessage,
): Promise<{ postsDropped: number; carried: boolean }> {
  const [postsDropped, published] = await Promise.all([
    postAll(deps, recipients.connections, message, true),
    recipients.channel ? publishPart(deps, recipients.channel, message) : undefined,
  ]);
  return { postsDropped, carried: published === "carried" };
}

/**
 * A part's publish, carrying the parts the channel still owes (carried-parts): they go out with it, earliest first,
 * in one message, and are owed no more. Throttled past its budget, the part joins them (`PublishesCarried`), for
 * the channel's next publish or its end: the batch goes on, and nobody misses its caption. Only when it cannot even
 * be kept is it dropped (`PublishesDropped`), and its quota error goes up to the caller (the part is given up for
 * the language). A failure to read what is owed only leaves it owed.
 */
async function publishPart(deps: Pick<PipelineDeps, "broadcast" | "db" | "log" | "measurements" | "sleep">, channel: BroadcastChannel, message: PartMessage): Promise<"published" | "carried"> {
  const owed = await owedOrNone(deps, channel);
  // A retried batch may publish a part it had already kept: it goes out once, as itself.
  const parts = owed.filter((p) => placeInTalk(p) !== placeInTalk(message));
  try {
    await publish(deps, channel, parts.length ? { ...message, carried: parts } : message);
  } catch (error) {
    if (!isQuotaError(error)) throw error;
    try {
      await CarriedParts.keep(deps.db, channel, message);
    } catch (keepError) {
      deps.log({ level: "warn", event: "carried.keep_failed", ...channel, sequenceNumber: message.sequenceNumber, part: message.part, errorName: (keepError as Error)?.name });
      dropped(deps, channel, message, error);
      throw error;
    }
    deps.log({ level: "warn", event: "quota.publish_carried", ...channel, sequenceNumber: message.sequenceNumber, part: message.part, owed: parts.length + 1, errorName: (error as Error).name });
    deps.measurements?.count("PublishesCarried");
    return "carried";
  }
  if (owed.length) await carriedOut(deps, channel, parts, owed);
  return "published";
}

/** The parts the channel owes; none when they cannot be read now (they stay owed, for a later publish). */
async function owedOrNone(deps: Pick<PipelineDeps, "db" | "log" | "measurements">, channel: BroadcastChannel): Promise<CarriedPart[]> {
  try {
    return await CarriedParts.owed(deps.db, channel);
  } catch (error) {
    deps.log({ level: "warn", event: "carried.read_failed", ...channel, errorName: (error as Error)?.name });
    deps.measurements?.count("CarriedReadFailures");
    return [];
  }
}

/**
 * Parts went out carried by a publish: counted, and owed no more, with any other of `out` (a part published as
 * itself). A failed delete only carries them again.
 */
async function carriedOut(
  deps: Pick<PipelineDeps, "db" | "log" | "measurements">,
  channel: BroadcastChannel,
  parts: readonly CarriedPart[],
  out: readonly CarriedPart[] = parts,
): Promise<void> {
  if (parts.length) {
    deps.log({ level: "info", event: "broadcast.carried", ...channel, parts: parts.length });
    deps.measurements?.count("PartsCarried", parts.length);
  }
  await CarriedParts.carried(deps.db, channel, out).catch((error: unknown) => {
    deps.log({ level: "warn", event: "carried.delete_failed", ...channel, errorName: (error as Error)?.name });
    deps.measurements?.count("CarriedDeleteFailures");
  });
}

/**
 * One publish under IoT Core's inbound publish rate. A part's message is its caption for every broadcast listener
 * of the language, so it gets a caption's budget (`retryBudgetOf`, or the given one); past it its quota error goes
 * up to the caller. Every throttled attempt, retried or the last, counts `PublishesThrottled`.
 */
async function publish(
  deps: Pick<PipelineDeps, "broadcast" | "measurements" | "sleep">,
  channel: BroadcastChannel,
  message: ServerMessage,
  budget: RetryBudget = retryBudgetOf(message),
): Promise<void> {
  const { broadcast } = deps;
  if (!broadcast) throw new Error(`listeners of ${channel.sessionId}/${channel.language} listen by broadcast, but no broadcast publisher is configured`);
  const onRetry = () => {
    deps.measurements?.count("QuotaRetries");
    deps.measurements?.count("PublishesThrottled");
  };
  try {
    await withinQuota(() => broadcast.publish(channel, message), { sleep: deps.sleep, onRetry }, budget);
  } catch (error) {
    if (isQuotaError(error)) deps.measurements?.count("PublishesThrottled");
    throw error;
  }
}

/** A message given up for every listener of the channel under the quota: logged and counted. */
function dropped(deps: Pick<PipelineDeps, "log" | "measurements">, channel: BroadcastChannel, message: ServerMessage, error: unknown): void {
  deps.log({ level: "warn", event: "quota.publish_dropped", sessionId: channel.sessionId, language: channel.language, type: message.type, errorName: (error as Error).name });
  deps.measurements?.count("PublishesDropped");
}

/**
 * The session is over: every connection hears it, and so does every language's broadcast channel (listened to or
 * not: a listener whose heartbeat lapsed may still be subscribed), carrying the parts the channel still owes, with a
 * longer budget than a part's (`END_RETRY`): no later publish would carry the end or them. A failed
 * publish is logged and counted (its carried parts as `CarriedPartsLost`); the listener app also asks the session's
 * state when its connection drops.
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
    ...(deps.broadcast ? session.targetLanguages : []).map(async (language) => {
      const channel = { sessionId: session.sessionId, language };
      const parts = await owedOrNone(deps, channel);
      try {
        await publish(deps, channel, parts.length ? { ...message, carried: parts } : message, END_RETRY);
      } catch (error) {
        if (isQuotaError(error)) dropped(deps, channel, message, error);
        deps.log({ level: "warn", event: "broadcast.failed", ...channel, type: message.type, errorName: (error as Error)?.name, ...(parts.length ? { carriedLost: parts.length } : {}) });
        deps.measurements?.count("BroadcastFailures");
        if (parts.length) deps.measurements?.count("CarriedPartsLost", parts.length);
        return;
      }
      if (parts.length) await carriedOut(deps, channel, parts);
    }),
  ]);
}
