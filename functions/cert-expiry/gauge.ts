import type { HeaderSource } from '../../shared/adapters/metrics/index.js';
import { DependencyError, errorMessage } from '../../shared/core/errors/index.js';
import type { CertItem } from './types.js';

const DAY_MS = 86_400_000;
// timeSeries.create takes at most 200 series per request.
const BATCH = 200;

/** One `TimeSeries` of a `timeSeries.create` body (Monitoring API v3, REST). */
export interface GaugeSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: 'global'; labels: { project_id: string } };
  metricKind: 'GAUGE';
  valueType: 'DOUBLE';
  points: { interval: { endTime: string }; value: { doubleValue: number } }[];
}

/**
 * One gauge per endpoint: the days left on the address that expires first. Endpoints where no address
 * returned a certificate get no point, so an absence alert in Monitoring catches them.
 */
export function gaugeSeries(items: CertItem[], now: Date, metricType: string, project: string): GaugeSeries[] {
  const soonest = new Map<string, number>();
  for (const item of items) {
    if (item.notAfter === null) continue;
    const days = Math.round(((Date.parse(item.notAfter) - now.getTime()) / DAY_MS) * 100) / 100;
    const known = soonest.get(item.endpoint);
    if (known === undefined || days < known) soonest.set(item.endpoint, days);
  }
  return [...soonest].map(([endpoint, days]) => ({
    metric: { type: metricType, labels: { endpoint } },
    resource: { type: 'global', labels: { project_id: project } },
    metricKind: 'GAUGE',
    valueType: 'DOUBLE',
    points: [{ interval: { endTime: now.toISOString() }, value: { doubleValue: days } }],
  }));
}

/** Where and how the gauge is written. */
export interface GaugeWriterOptions {
  project: string;
  /** API root; default `https://monitoring.googleapis.com`. */
  rootUrl?: string;
  /** Auth headers; `'none'` sends none; default application default credentials, loaded on use. */
  auth?: HeaderSource | 'none';
  timeoutMs: number;
  signal?: AbortSignal;
}

async function headersOf(auth: GaugeWriterOptions['auth']): Promise<Record<string, string>> {
  if (auth === 'none') return {};
  let source = auth;
  if (!source) {
    const { GoogleAuth } = await import('google-auth-library');
    source = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/monitoring.write'] });
  }
  try {
    return Object.fromEntries(new Headers(await source.getRequestHeaders()).entries());
  } catch (cause) {
    throw new DependencyError(`Cloud Monitoring credentials: ${errorMessage(cause)}`, { cause });
  }
}

/** Writes the series with `timeSeries.create`, 200 per request, each request bounded by the timeout. */
export async function writeGauge(series: GaugeSeries[], options: GaugeWriterOptions): Promise<number> {
  if (series.length === 0) return 0;
  const root = (options.rootUrl ?? 'https://monitoring.googleapis.com').replace(/\/+$/, '');
  const url = `${root}/v3/projects/${encodeURIComponent(options.project)}/timeSeries`;
  const headers = { ...(await headersOf(options.auth)), 'content-type': 'application/json' };
  let written = 0;
  for (let at = 0; at < series.length; at += BATCH) {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let response: Response;
    try {
      const body = JSON.stringify({ timeSeries: series.slice(at, at + BATCH) });
      response = await fetch(url, { method: 'POST', headers, body, signal });
    } catch (cause) {
      const timedOut = (cause as Error).name === 'TimeoutError';
      throw new DependencyError(
        `POST ${url}: ${timedOut ? `no answer within ${options.timeoutMs}ms` : errorMessage(cause)}`,
        {
          cause,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) throw new DependencyError(`POST ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    written += Math.min(BATCH, series.length - at);
  }
  return written;
}
