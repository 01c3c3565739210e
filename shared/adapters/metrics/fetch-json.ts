import { DependencyError, retryableStatus } from '../../core/errors/index.js';
import { requestJson } from '../google/index.js';

/** Timeout and retry bounds of a read-only HTTP call. */
export interface FetchBounds {
  /** Per-attempt timeout; default 5 s. */
  timeoutMs?: number;
  /** Retries on 5xx, 429, timeouts and network errors; default 2. */
  retries?: number;
  /** First retry delay, doubled each time; default 200 ms. */
  retryDelayMs?: number;
}

/**
 * GETs JSON from a Prometheus-compatible API with a timeout per attempt and bounded retries; throws a
 * DependencyError naming the URL and the cause, whatever the status (the API's answer is evidence, not input).
 */
export async function fetchJson(
  url: string,
  headers: Record<string, string>,
  bounds: FetchBounds = {},
  signal?: AbortSignal,
): Promise<unknown> {
  return requestJson(
    { method: 'GET', url, headers },
    {
      timeoutMs: bounds.timeoutMs ?? 5_000,
      retries: bounds.retries ?? 2,
      retryDelayMs: bounds.retryDelayMs,
      signal,
      mapAnswer: (status, text, label) =>
        new DependencyError(`${label}: HTTP ${status}: ${text.slice(0, 200)}`, {
          retryable: retryableStatus(status),
          details: { status },
        }),
    },
  );
}
