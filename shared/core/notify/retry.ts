import { OpsError } from '../errors/index.js';
import { DeliveryError } from './errors.js';

/** Waits `ms`, or rejects early when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How a delivery is retried: attempts bounded by a timeout, exponential backoff with jitter between them. */
export interface RetryPolicy {
  retries: number;
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a receiver asking for more is not retried. */
  retryAfterCapMs: number;
  sleep: Sleep;
  random: () => number;
}

/** How the attempts went: the last error when none succeeded. */
export interface RetryOutcome {
  ok: boolean;
  attempts: number;
  error?: Error;
}

/** The delay before retry number `retry` (1-based): exponential, capped, with 50–100 % jitter. */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling * (0.5 + policy.random() * 0.5));
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // Some clients ignore the signal; the attempt still ends when it fires.
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function classify(error: unknown, timeout: AbortSignal, timeoutMs: number, caller?: AbortSignal): Error {
  if (caller?.aborted) return new DeliveryError('cancelled by the caller', { retryable: false, cause: error });
  if (timeout.aborted) return new DeliveryError(`timed out after ${timeoutMs}ms`, { retryable: true, cause: error });
  if (error instanceof Error) return error;
  return new DeliveryError(String(error), { retryable: false });
}

function isRetryable(error: Error): boolean {
  return error instanceof OpsError && error.retryable;
}

/** Runs `attempt` until it succeeds, fails for good, or `retries` retries are spent; never throws. */
export async function runWithRetry(
  attempt: (signal: AbortSignal) => Promise<void>,
  policy: RetryPolicy,
  caller?: AbortSignal,
): Promise<RetryOutcome> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = caller ? AbortSignal.any([timeout, caller]) : timeout;
    let error: Error;
    try {
      await raceAbort(
        Promise.resolve().then(() => attempt(signal)),
        signal,
      );
      return { ok: true, attempts };
    } catch (thrown) {
      error = classify(thrown, timeout, policy.timeoutMs, caller);
    }
    if (!isRetryable(error) || attempts > policy.retries) return { ok: false, attempts, error };
    let delay = backoffDelay(attempts, policy);
    const asked = error instanceof DeliveryError ? error.retryAfterMs : undefined;
    if (asked !== undefined) {
      if (asked > policy.retryAfterCapMs) {
        const message = `${error.message} (Retry-After ${Math.ceil(asked / 1_000)}s exceeds the ${Math.ceil(policy.retryAfterCapMs / 1_000)}s cap)`;
        return { ok: false, attempts, error: new DeliveryError(message, { retryable: false, cause: error }) };
      }
      delay = Math.max(delay, asked);
    }
    try {
      await policy.sleep(delay, caller);
    } catch {
      return {
        ok: false,
        attempts,
        error: new DeliveryError('cancelled by the caller', { retryable: false, cause: error }),
      };
    }
  }
}
