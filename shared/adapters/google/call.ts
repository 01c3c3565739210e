import { setTimeout as delay } from 'node:timers/promises';
import { DependencyError, OpsError } from '../../core/errors/index.js';
import { failureOfError, googleError } from './errors.js';

/** Timeout and retry bounds of an API call. */
export interface CallBounds {
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number | undefined;
  /** Retries of a read on 5xx, 408, 429, timeouts and network errors; default 0. Writes are never retried. */
  retries?: number | undefined;
  /** First retry delay, doubled each time; default 200 ms. */
  retryDelayMs?: number | undefined;
}

/**
 * A read may be repeated; a write may not: a write whose answer was lost may have been applied, and the caller
 * reads the state back instead of sending it again.
 */
export type CallKind = 'read' | 'write';

/** One call: what it is, whether it reads or writes, its bounds, the caller's signal and its error mapping. */
export interface CallOptions extends CallBounds {
  /** Names the call in errors: `Cloud Run <resource>: services.get failed`, `GET https://…/timeSeries`. */
  label: string;
  kind: CallKind;
  signal?: AbortSignal | undefined;
  /** Turns what an attempt threw into an OpsError; default {@link googleError} of a googleapis error. */
  mapError?: (error: unknown, label: string) => OpsError;
}

/** The per-request options of a googleapis method: the attempt's signal, and no retries of the library's own. */
export function methodOptions(signal: AbortSignal): { retry: false; signal: AbortSignal } {
  return { retry: false, signal };
}

const mapGoogleError = (error: unknown, label: string): OpsError => googleError(label, failureOfError(error), error);

/**
 * Runs `attempt` with a deadline per attempt, retrying a read while its failure is retryable and retries are
 * left (exponential backoff); every failure comes out as one OpsError naming the call.
 */
export async function boundedCall<T>(attempt: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.kind === 'read' ? (options.retries ?? 0) : 0;
  const { label, signal } = options;
  for (let i = 0; ; i++) {
    const deadline = AbortSignal.timeout(timeoutMs);
    let failure: OpsError;
    try {
      return await attempt(signal ? AbortSignal.any([signal, deadline]) : deadline);
    } catch (error) {
      if (signal?.aborted) throw new DependencyError(`${label}: aborted`, { cause: error, retryable: false });
      if (deadline.aborted) failure = new DependencyError(`${label}: timed out after ${timeoutMs}ms`, { cause: error });
      else if (error instanceof OpsError) failure = error;
      else failure = (options.mapError ?? mapGoogleError)(error, label);
    }
    if (!failure.retryable || i >= retries) throw failure;
    try {
      await delay((options.retryDelayMs ?? 200) * 2 ** i, undefined, signal ? { signal } : {});
    } catch (cause) {
      throw new DependencyError(`${label}: aborted`, { cause, retryable: false });
    }
  }
}
