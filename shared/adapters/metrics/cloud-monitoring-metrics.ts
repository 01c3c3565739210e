import { DependencyError } from '../../core/errors/index.js';
import { type FetchBounds, fetchJson } from './fetch-json.js';
import type { ErrorRateQuery, ErrorRateSample, MetricsSource } from './metrics-source.js';

/** Something that yields auth headers, like google-auth-library's `GoogleAuth`. */
export interface HeaderSource {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

/** Where and how the Cloud Monitoring adapter reads `run.googleapis.com/request_count`. */
export interface CloudMonitoringMetricsOptions extends FetchBounds {
  project: string;
  /** Cloud Run service name (`resource.labels.service_name`). */
  service: string;
  /** API root; default `https://monitoring.googleapis.com`. */
  rootUrl?: string;
  /** Auth headers; `'none'` sends none; default application default credentials, loaded on first use. */
  auth?: HeaderSource | 'none';
}

interface TimeSeriesPage {
  timeSeries?: {
    metric?: { labels?: Record<string, string> };
    points?: { value?: { int64Value?: string | number; doubleValue?: number } }[];
  }[];
  nextPageToken?: string;
}

const MAX_PAGES = 10;

/** The 5xx share from Cloud Monitoring `timeSeries.list`, summed per response code class over the window. */
export class CloudMonitoringMetrics implements MetricsSource {
  readonly kind = 'cloud-monitoring';
  private headers: Promise<HeaderSource | undefined> | undefined;

  constructor(private readonly options: CloudMonitoringMetricsOptions) {}

  private async auth(): Promise<Record<string, string>> {
    this.headers ??= (async () => {
      if (this.options.auth === 'none') return undefined;
      if (this.options.auth) return this.options.auth;
      // Plain REST through google-auth-library instead of the gax client: no protobuf load on a cold start.
      const { GoogleAuth } = await import('google-auth-library');
      return new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/monitoring.read'] });
    })();
    const source = await this.headers;
    if (!source) return {};
    try {
      return Object.fromEntries(new Headers(await source.getRequestHeaders()).entries());
    } catch (cause) {
      throw new DependencyError(`Cloud Monitoring credentials: ${(cause as Error).message}`, { cause });
    }
  }

  /** The URL of one `timeSeries.list` page, exported for wire tests. */
  url(query: ErrorRateQuery, pageToken?: string): string {
    const o = this.options;
    const seconds = Math.max(60, Math.round(query.windowMs / 1000));
    const labels = [`resource.labels.service_name = "${o.service}"`];
    if (query.revision) labels.push(`resource.labels.revision_name = "${query.revision}"`);
    const filter = [
      'metric.type = "run.googleapis.com/request_count"',
      'resource.type = "cloud_run_revision"',
      ...labels,
    ].join(' AND ');
    const params = new URLSearchParams({
      filter,
      'interval.startTime': new Date(query.end.getTime() - seconds * 1000).toISOString(),
      'interval.endTime': query.end.toISOString(),
      'aggregation.alignmentPeriod': `${seconds}s`,
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.groupByFields': 'metric.labels.response_code_class',
      view: 'FULL',
    });
    if (pageToken) params.set('pageToken', pageToken);
    const root = (o.rootUrl ?? 'https://monitoring.googleapis.com').replace(/\/+$/, '');
    return `${root}/v3/projects/${encodeURIComponent(o.project)}/timeSeries?${params}`;
  }

  /** Sums 5xx and all requests over the window (and the 5xx rate per second); undefined when no request was counted. */
  async errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined> {
    const headers = await this.auth();
    let errors = 0;
    let total = 0;
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = (await fetchJson(this.url(query, pageToken), headers, this.options, query.signal)) as TimeSeriesPage;
      for (const series of body.timeSeries ?? []) {
        const errorClass = series.metric?.labels?.response_code_class === '5xx';
        for (const point of series.points ?? []) {
          const value = Number(point.value?.int64Value ?? point.value?.doubleValue ?? 0);
          if (!Number.isFinite(value) || value < 0) {
            throw new DependencyError('Cloud Monitoring returned a malformed point value', { retryable: false });
          }
          total += value;
          if (errorClass) errors += value;
        }
      }
      pageToken = body.nextPageToken || undefined;
      if (!pageToken) break;
    }
    if (total === 0) return undefined;
    const seconds = Math.max(60, Math.round(query.windowMs / 1000));
    return { ratio: errors / total, perSecond: errors / seconds, total, errors };
  }
}
