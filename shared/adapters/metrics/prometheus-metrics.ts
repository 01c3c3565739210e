import { DependencyError } from '../../core/errors/index.js';
import type { HeaderSource } from '../google/index.js';
import type { FetchBounds } from './fetch-json.js';
import type { ErrorRateQuery, ErrorRateSample, MetricsSource } from './metrics-source.js';
import { queryInstant } from './prometheus-query.js';

/** Where and what the Prometheus adapter queries. */
export interface PrometheusMetricsOptions extends FetchBounds {
  /** Prometheus base URL (`http://prometheus:9090`). */
  url: string;
  /** PromQL giving the 5xx/total ratio (or, with `measure: rate`, 5xx/s) as one series; `$window` and `$revision` are substituted. */
  query: string;
  /** What `query` answers: the share of requests that failed (default), or failed requests per second. */
  measure?: 'ratio' | 'rate';
  /** PromQL giving the request count over `$window`; when omitted, `total` stays unknown. */
  totalQuery?: string;
  headers?: Record<string, string>;
  /** Adds the Authorization header to each request (Managed Service for Prometheus needs a Google token). */
  auth?: HeaderSource;
}

/** Fills `$window` (seconds, `300s`) and `$revision` into a PromQL template. */
export function renderQuery(template: string, query: ErrorRateQuery): string {
  const window = `${Math.max(1, Math.round(query.windowMs / 1000))}s`;
  return template.replaceAll('$window', window).replaceAll('$revision', query.revision ?? '.*');
}

/** The 5xx share (or rate) from the Prometheus HTTP API (`/api/v1/query`, instant vector at the window's end). */
export class PrometheusMetrics implements MetricsSource {
  readonly kind = 'prometheus';

  constructor(private readonly options: PrometheusMetricsOptions) {}

  private async instant(template: string, query: ErrorRateQuery): Promise<number[]> {
    const samples = await queryInstant(
      { ...this.options, headers: this.options.headers ?? {} },
      renderQuery(template, query),
      { time: query.end, ...(query.signal ? { signal: query.signal } : {}) },
    );
    return samples.map((s) => s.value);
  }

  /** Evaluates the ratio or rate (and the total, when configured) at the window's end; undefined when either is empty. */
  async errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined> {
    const { totalQuery } = this.options;
    const [ratios, totals] = await Promise.all([
      this.instant(this.options.query, query),
      totalQuery ? this.instant(totalQuery, query) : Promise.resolve(undefined),
    ]);
    if (ratios.length > 1) {
      throw new DependencyError(`Prometheus ratio query returned ${ratios.length} series; wrap it in sum(...)`, {
        retryable: false,
      });
    }
    const value = ratios[0];
    if (value === undefined || (totals !== undefined && totals.length === 0)) return undefined;
    const rate = this.options.measure === 'rate';
    if (value < 0 || (!rate && value > 1)) {
      const range = rate ? 'below 0' : 'outside [0, 1]';
      throw new DependencyError(`Prometheus ${rate ? 'rate' : 'ratio'} query returned ${value}, ${range}`, {
        retryable: false,
      });
    }
    const total = totals?.reduce((a, b) => a + b, 0);
    return {
      ...(rate ? { perSecond: value } : { ratio: value }),
      ...(total === undefined ? {} : { total: Math.round(total) }),
    };
  }
}
