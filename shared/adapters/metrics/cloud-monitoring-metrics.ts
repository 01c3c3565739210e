import { DependencyError } from '../../core/errors/index.js';
import { CloudMonitoring, type GoogleAuthOption, type MonitoringSeries } from '../google/index.js';
import type { FetchBounds } from './fetch-json.js';
import type { ErrorRateQuery, ErrorRateSample, MetricsSource } from './metrics-source.js';

/** Where and how the Cloud Monitoring adapter reads `run.googleapis.com/request_count`. */
export interface CloudMonitoringMetricsOptions extends FetchBounds {
  project: string;
  /** Cloud Run service name (`resource.labels.service_name`). */
  service: string;
  /** API root; default `https://monitoring.googleapis.com`. */
  rootUrl?: string;
  /** Auth headers; `'none'` sends none; default application default credentials, loaded on first use. */
  auth?: GoogleAuthOption;
}

/** The 5xx share from Cloud Monitoring `timeSeries.list`, summed per response code class over the window. */
export class CloudMonitoringMetrics implements MetricsSource {
  readonly kind = 'cloud-monitoring';
  private readonly monitoring: CloudMonitoring;

  constructor(private readonly options: CloudMonitoringMetricsOptions) {
    this.monitoring = new CloudMonitoring({
      rootUrl: options.rootUrl,
      auth: options.auth,
      timeoutMs: options.timeoutMs ?? 5_000,
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs,
    });
  }

  /** The query of one `timeSeries.list` request: request_count per response class, aligned over the window. */
  params(query: ErrorRateQuery): URLSearchParams {
    const o = this.options;
    const seconds = Math.max(60, Math.round(query.windowMs / 1000));
    const labels = [`resource.labels.service_name = "${o.service}"`];
    if (query.revision) labels.push(`resource.labels.revision_name = "${query.revision}"`);
    const filter = [
      'metric.type = "run.googleapis.com/request_count"',
      'resource.type = "cloud_run_revision"',
      ...labels,
    ].join(' AND ');
    return new URLSearchParams({
      filter,
      'interval.startTime': new Date(query.end.getTime() - seconds * 1000).toISOString(),
      'interval.endTime': query.end.toISOString(),
      'aggregation.alignmentPeriod': `${seconds}s`,
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.groupByFields': 'metric.labels.response_code_class',
      view: 'FULL',
    });
  }

  /** Sums 5xx and all requests over the window (and the 5xx rate per second); undefined when no request was counted. */
  async errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined> {
    const series = await this.monitoring.listTimeSeries(this.options.project, this.params(query), query.signal);
    const { errors, total } = sum(series);
    if (total === 0) return undefined;
    const seconds = Math.max(60, Math.round(query.windowMs / 1000));
    return { ratio: errors / total, perSecond: errors / seconds, total, errors };
  }
}

function sum(series: readonly MonitoringSeries[]): { errors: number; total: number } {
  let errors = 0;
  let total = 0;
  for (const s of series) {
    const errorClass = s.metric?.labels?.response_code_class === '5xx';
    for (const point of s.points ?? []) {
      const value = Number(point.value?.int64Value ?? point.value?.doubleValue ?? 0);
      if (!Number.isFinite(value) || value < 0) {
        throw new DependencyError('Cloud Monitoring returned a malformed point value', { retryable: false });
      }
      total += value;
      if (errorClass) errors += value;
    }
  }
  return { errors, total };
}
