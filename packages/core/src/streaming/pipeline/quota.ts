/**
 * A quota met by one call stays with that call. A throttled request (the service answers with a quota error:
 * `domain/quotas`) is retried with jittered backoff within a small budget; past it, the caller degrades that one
 * part for that one language (a plainer voice, then captions only; a post is dropped for that one listener) and
 * the batch carries on. Failing the batch instead would replay it from the stream and rebuild recognition: more
 * requests against the very quota that refused the first one.
 */
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { ServerMessage } from "../../protocol/index.ts";

/**
 * The budget per call: 3 attempts, waiting a random 0-100 ms then 0-200 ms between them (full jitter, so calls
 * throttled together do not come back together), so a throttled call costs at most 300 ms of waiting before its part
 * degrades. Short on purpose: every part of a session waits behind the batch, and a listener would rather have the
 * caption now than the voice late.
 */
export const QUOTA_RETRY: RetryBudget = { attempts: 3, baseDelayMs: 100, maxDelayMs: 200 };

/**
 * Captions are the one thing never given up lightly (overload never sheds them either): a caption's post gets 6
 * attempts, waits growing from 0-100 ms to at most 0-1 000 ms, about 3 s of waiting at worst, before it is dropped
 * for that listener (counted apart: `CaptionsDropped`).
 */
export const CAPTION_RETRY: RetryBudget = { attempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };

/**
 * The session's end on a broadcast channel: said once, and nothing after it would carry it or the parts the channel
 * still owes, so it waits longer for the quota than a part does (12 attempts, waits growing to at most 0-3 000 ms,
 * about half a minute at worst). Nothing of the session waits behind its end.
 */
export const END_RETRY: RetryBudget = { attempts: 12, baseDelayMs: 200, maxDelayMs: 3000 };

/**
 * A message's budget: a caption's for what a listener must not miss (a final transcript, a part, which is the
 * caption of every broadcast listener of its language, and the session's end, said once and never again); the short
 * one for what degrades (translations, speech, interims, status).
 */
export function retryBudgetOf(message: ServerMessage): RetryBudget {
  const mustArrive = (message.type === "transcript" && message.isFinal) || message.type === "part" || message.type === "sessionEnded";
  return mustArrive ? CAPTION_RETRY : QUOTA_RETRY;
}

export interface RetryBudget {
  attempts: number;
  /** The first wait's ceiling, doubled each time up to `maxDelayMs`; each wait is a random share of it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface QuotaRetryDeps {
  /** Waits between attempts (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry of a throttled call. */
  onRetry?: () => void;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work`, retrying a quota error within `budget`; the last quota error (or any other error) is thrown. */
export async function withinQuota<T>(work: () => Promise<T>, deps: QuotaRetryDeps = {}, budget: RetryBudget = QUOTA_RETRY): Promise<T> {
  const sleep = deps.sleep ?? sleepFor;
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isQuotaError(error) || attempt >= budget.attempts) throw error;
      deps.onRetry?.();
      await sleep(Math.round(random() * Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** (attempt - 1))));
    }
  }
}
