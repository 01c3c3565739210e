import { CloudMonitoring, type GoogleAuthOption } from '../../shared/adapters/google/index.js';
import type { CertItem } from './types.js';

const DAY_MS = 86_400_000;

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
  auth?: GoogleAuthOption;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Writes the series with `timeSeries.create`, 200 per request, each request bounded by the timeout. */
export async function writeGauge(series: GaugeSeries[], options: GaugeWriterOptions): Promise<number> {
  const monitoring = new CloudMonitoring({
    rootUrl: options.rootUrl,
    auth: options.auth,
    timeoutMs: options.timeoutMs,
  });
  return monitoring.createTimeSeries(options.project, series, options.signal);
}
