import pRetry from "p-retry";

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

/** Retries `work` with exponential backoff and jitter while the error is retryable; `onRetry` runs before each retry. */
export function withRetries<T>(work: () => Promise<T>, attempts: number, onRetry?: () => void): Promise<T> {
  return pRetry(work, {
    retries: Math.max(0, attempts - 1),
    minTimeout: 100,
    maxTimeout: 2000,
    randomize: true,
    shouldRetry: ({ error }) => isRetryable(error),
    onFailedAttempt: ({ error, retriesLeft }) => {
      if (retriesLeft > 0 && isRetryable(error)) onRetry?.();
    },
  });
}
