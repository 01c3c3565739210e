import { DependencyError } from '../../../shared/core/errors/index.js';

/** Per-call options of a Google API client: bounded, no library retries (a failing API is reported, not hammered). */
export function callOptions(timeoutMs: number, signal: AbortSignal) {
  return { timeout: timeoutMs, retry: false, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) };
}

/** The HTTP status of a Google API error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { response?: { status?: number }; status?: number; code?: unknown };
  return e.response?.status ?? e.status ?? (typeof e.code === 'number' ? e.code : undefined);
}

/** Runs one API call and turns its failure into a DependencyError naming the call and the API's message. */
export async function googleCall<T>(api: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    const e = cause as { response?: { status?: number; data?: { error?: { message?: string } } }; message?: string };
    const status = e.response?.status;
    const detail =
      status !== undefined
        ? `HTTP ${status}${e.response?.data?.error?.message ? `: ${e.response.data.error.message}` : ''}`
        : (e.message ?? String(cause));
    throw new DependencyError(`${api} ${what} failed: ${detail}`, { cause });
  }
}

/** Polls `check` every `intervalMs` until it reports done, or gives up after `budgetMs` (returns false). */
export async function pollUntil(
  check: () => Promise<boolean>,
  intervalMs: number,
  budgetMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const end = Date.now() + budgetMs;
  while (true) {
    if (await check()) return true;
    if (Date.now() + intervalMs > end || signal.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
