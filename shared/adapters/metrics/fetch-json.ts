import { setTimeout as delay } from 'node:timers/promises';
import { DependencyError, errorMessage } from '../../core/errors/index.js';

/** Timeout and retry bounds of a read-only HTTP call. */
export interface FetchBounds {
  /** Per-attempt timeout; default 5 s. */
  timeoutMs?: number;
  /** Retries on 5xx, 429, timeouts and network errors; default 2. */
  retries?: number;
  /** First retry delay, doubled each time; default 200 ms. */
  retryDelayMs?: number;
}

const MAX_BODY = 8 * 1024 * 1024;

async function attempt(url: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal) {
  const deadline = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
  const text = await response.text();
  if (text.length > MAX_BODY) throw new DependencyError(`GET ${url}: response over ${MAX_BODY} bytes`);
  return { status: response.status, text };
}

/** GETs JSON with a timeout per attempt and bounded retries; throws DependencyError naming the URL and the cause. */
export async function fetchJson(
  url: string,
  headers: Record<string, string>,
  bounds: FetchBounds = {},
  signal?: AbortSignal,
): Promise<unknown> {
  const retries = bounds.retries ?? 2;
  const where = url.split('?')[0];
  for (let i = 0; ; i++) {
    let failure: DependencyError;
    try {
      const { status, text } = await attempt(url, headers, bounds.timeoutMs ?? 5_000, signal);
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text);
        } catch (cause) {
          throw new DependencyError(`GET ${where}: response is not JSON`, { cause, retryable: false });
        }
      }
      const retryable = status >= 500 || status === 429 || status === 408;
      failure = new DependencyError(`GET ${where}: HTTP ${status}: ${text.slice(0, 200)}`, {
        retryable,
        details: { status },
      });
    } catch (error) {
      if (error instanceof DependencyError) throw error;
      if (signal?.aborted) throw new DependencyError(`GET ${where}: aborted`, { cause: error, retryable: false });
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      failure = new DependencyError(`GET ${where}: ${timedOut ? 'timed out' : errorMessage(error)}`, {
        cause: error,
      });
    }
    if (!failure.retryable || i >= retries) throw failure;
    await delay((bounds.retryDelayMs ?? 200) * 2 ** i, undefined, signal ? { signal } : {});
  }
}
