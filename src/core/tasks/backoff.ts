/** When a retryable failure is tried again. */
export interface RetryPolicy {
  /** Runs started before the task fails for good (first run included). */
  readonly maxAttempts: number;
  /** Delay after the first failure; doubles with each further one. */
  readonly baseDelayMs: number;
  /** The delay never exceeds this. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

export function checkRetryPolicy(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${policy.maxAttempts}`);
  }
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw new RangeError(
      `retry delays need 0 <= baseDelayMs <= maxDelayMs, got ${policy.baseDelayMs} and ${policy.maxDelayMs}`,
    );
  }
}

/**
 * Delay before the run after failed attempt `attempt` (1 for the first failure): capped
 * exponential, then scaled into [half, all] of itself so that tasks failing together
 * (a backend restart) do not all come back in the same instant.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(capped * (0.5 + random() / 2));
}
