import pRetry from "p-retry";
import { isQuotaError } from "../../domain/quotas/index.ts";

/** Which AWS errors are worth another try, and how long to wait: throttling, quotas, 5xx. */
const RETRYABLE_NAMES = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
  "ServiceUnavailableException",
  "ServiceUnavailable",
  "InternalFailureException",
  "InternalServerException",
  "ServiceFailureException",
  "InternalFailure",
]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/**
 * Retries `work` with exponential backoff and jitter while the error is retryable; `onRetry` runs before each retry.
 * With `quotaErrors: "raise"`, a quota error goes up at once: the caller (the pipeline, `streaming/pipeline/quota.ts`)
 * owns that budget and degrades the part past it, which a retry here would only delay.
 */
export function withRetries<T>(work: () => Promise<T>, attempts: number, onRetry?: () => void, options: { quotaErrors?: "retry" | "raise" } = {}): Promise<T> {
  const retryable = (error: unknown) => isRetryable(error) && !(options.quotaErrors === "raise" && isQuotaError(error));
  return pRetry(work, {
    retries: Math.max(0, attempts - 1),
    minTimeout: 100,
    maxTimeout: 2000,
    randomize: true,
    shouldRetry: ({ error }) => retryable(error),
    onFailedAttempt: ({ error, retriesLeft }) => {
      if (retriesLeft > 0 && retryable(error)) onRetry?.();
    },
  });
}
