import { DependencyError, errorMessage } from '../../core/errors/index.js';
import type { HeaderSource } from './cloud-monitoring-metrics.js';
import { type FetchBounds, fetchJson } from './fetch-json.js';

/** One series of an instant query's result: its labels and its value. */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

/** Where an instant query goes: a Prometheus-compatible API root (Prometheus, Cloud Monitoring's PromQL API). */
export interface PromQueryTarget extends FetchBounds {
  /** The root below which `/api/v1/query` lives (`http://prometheus:9090`). */
  url: string;
  headers?: Record<string, string>;
  /** Adds the Authorization header to each request (Managed Service for Prometheus needs a Google token). */
  auth?: HeaderSource;
}

async function authHeaders(auth: HeaderSource | undefined, url: string): Promise<Record<string, string>> {
  if (!auth) return {};
  try {
    return Object.fromEntries(new Headers(await auth.getRequestHeaders(url)).entries());
  } catch (cause) {
    throw new DependencyError(`Prometheus credentials: ${errorMessage(cause)}`, { cause });
  }
}

interface QueryResponse {
  status?: string;
  error?: string;
  data?: {
    resultType?: string;
    result?: { metric?: Record<string, string>; value?: [number, string] }[] | [number, string];
  };
}

/**
 * Evaluates PromQL at `time` (default now) through `GET /api/v1/query`: a vector gives one sample per series, a
 * scalar one sample without labels; NaN values are dropped. Throws DependencyError when the API fails or refuses.
 */
export async function queryInstant(
  target: PromQueryTarget,
  promql: string,
  options: { time?: Date; signal?: AbortSignal } = {},
): Promise<PromSample[]> {
  const params = new URLSearchParams({ query: promql });
  if (options.time) params.set('time', (options.time.getTime() / 1000).toFixed(3));
  const url = `${target.url.replace(/\/+$/, '')}/api/v1/query?${params}`;
  const headers = { ...target.headers, ...(await authHeaders(target.auth, url)) };
  const body = (await fetchJson(url, headers, target, options.signal)) as QueryResponse;
  const type = body.data?.resultType;
  if (body.status !== 'success' || (type !== 'vector' && type !== 'scalar')) {
    throw new DependencyError(`Prometheus query failed: ${body.error ?? `resultType ${type}`}`, { retryable: false });
  }
  const result = body.data?.result ?? [];
  if (type === 'scalar') {
    const value = Number((result as [number, string])[1]);
    return Number.isFinite(value) ? [{ labels: {}, value }] : [];
  }
  return (result as { metric?: Record<string, string>; value?: [number, string] }[])
    .map((s) => ({ labels: s.metric ?? {}, value: Number(s.value?.[1]) }))
    .filter((s) => Number.isFinite(s.value));
}
