import { DependencyError } from '../../core/errors/index.js';
import type { HeaderSource } from '../google/index.js';
import type { FetchBounds } from './fetch-json.js';
import type { ErrorRateQuery, ErrorRateSample, MetricsSource } from './metrics-source.js';
import { queryInstant } from './prometheus-query.js';

/** Where and what the Prometheus adapter queries. */
export interface PrometheusMetricsOptions extends FetchBounds {
  /** Prometheus base URL (`http://prometheus:9090`). */
  url: string;
  /** PromQL giving the 5xx/total ratio as one series; `$window` and `$revision` are substituted. */
  query: string;
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

/** The 5xx share from the Prometheus HTTP API (`/api/v1/query`, instant vector at the window's end). */
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

  /** Evaluates the ratio (and the total, when configured) at the window's end; undefined when either is empty. */
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
    const ratio = ratios[0];
    if (ratio === undefined || (totals !== undefined && totals.length === 0)) return undefined;
    if (ratio < 0 || ratio > 1) {
      throw new DependencyError(`Prometheus ratio query returned ${ratio}, outside [0, 1]`, { retryable: false });
    }
    const total = totals?.reduce((a, b) => a + b, 0);
    return { ratio, ...(total === undefined ? {} : { total: Math.round(total) }) };
  }
}
