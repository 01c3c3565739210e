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
  /** How long after the fact a count shows; default {@link CLOUD_MONITORING_VISIBLE_AFTER_MS}. */
  visibleAfterMs?: number;
  /** The clock that says what may not show yet (the run's); the real one by default. */
  now?: () => Date;
}

/**
 * How long after the fact `run.googleapis.com/request_count` shows in `timeSeries.list`: "Sampled every 60 seconds.
 * After sampling, data is not visible for up to 180 seconds" (the metric's entry in Google Cloud metrics; Cloud
 * Monitoring, Metric data latency: cloud.google.com/monitoring/api/v3/latency-n-retention).
 */
export const CLOUD_MONITORING_VISIBLE_AFTER_MS = 180_000;
/** The alignment period: per minute, the metric's sampling period and the shortest the API takes. */
const ALIGNMENT_MS = 60_000;

/**
 * The window in whole alignment periods, at least one: a window that is not whole minutes is read over the whole
 * minutes that cover it, as the alert policies Terraform derives from the same window round it.
 */
function windowMs(query: ErrorRateQuery): number {
  return Math.max(1, Math.ceil(query.windowMs / ALIGNMENT_MS)) * ALIGNMENT_MS;
}

/**
 * The 5xx share from Cloud Monitoring `timeSeries.list`, summed per response code class over the window, and the
 * 5xx rate over the part of the window the API shows. What is younger than 180 s (`visibleAfterMs`) when it reads
 * may not show yet, so a rate divides by the time up to the newest minute the API returned, or up to 180 s ago when
 * that is later (a minute old enough to show that shows nothing was quiet); a window that ended before that is whole.
 * A rate counts no time before the query's `from` (a revision created inside the window).
 */
export class CloudMonitoringMetrics implements MetricsSource {
  readonly kind = 'cloud-monitoring';
  readonly visibleAfterMs: number;
  private readonly monitoring: CloudMonitoring;

  constructor(private readonly options: CloudMonitoringMetricsOptions) {
    this.visibleAfterMs = options.visibleAfterMs ?? CLOUD_MONITORING_VISIBLE_AFTER_MS;
    this.monitoring = new CloudMonitoring({
      rootUrl: options.rootUrl,
      auth: options.auth,
      timeoutMs: options.timeoutMs ?? 5_000,
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs,
    });
  }

  /** The query of one `timeSeries.list` request: request_count per response class, per minute over the window. */
  params(query: ErrorRateQuery): URLSearchParams {
    const o = this.options;
    const seconds = windowMs(query) / 1000;
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
      'aggregation.alignmentPeriod': `${ALIGNMENT_MS / 1000}s`,
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.groupByFields': 'metric.labels.response_code_class',
      view: 'FULL',
    });
  }

  /**
   * Sums 5xx and all requests over the window, and the 5xx rate per second over the part of it the API shows;
   * undefined when no request was counted (nothing happened, or nothing shows yet).
   */
  async errorRate(query: ErrorRateQuery): Promise<ErrorRateSample | undefined> {
    const series = await this.monitoring.listTimeSeries(this.options.project, this.params(query), query.signal);
    const { errors, total, newest } = sum(series);
    if (total === 0) return undefined;
    const end = query.end.getTime();
    const start = Math.max(end - windowMs(query), query.from?.getTime() ?? Number.NEGATIVE_INFINITY);
    // Up to the newest minute returned, and at least up to what is old enough to show: an empty minute there is quiet.
    const settled = (this.options.now?.() ?? new Date()).getTime() - this.visibleAfterMs;
    const shown = Math.min(end, Math.max(newest, settled)) - start;
    const seconds = Math.max(shown, ALIGNMENT_MS) / 1000;
    return { ratio: errors / total, perSecond: errors / seconds, total, errors };
  }
}

function sum(series: readonly MonitoringSeries[]): { errors: number; total: number; newest: number } {
  let errors = 0;
  let total = 0;
  let newest = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const errorClass = s.metric?.labels?.response_code_class === '5xx';
    for (const point of s.points ?? []) {
      const value = Number(point.value?.int64Value ?? point.value?.doubleValue ?? 0);
      if (!Number.isFinite(value) || value < 0) {
        throw new DependencyError('Cloud Monitoring returned a malformed point value', { retryable: false });
      }
      total += value;
      if (errorClass) errors += value;
      const ends = Date.parse(point.interval?.endTime ?? '');
      if (Number.isFinite(ends)) newest = Math.max(newest, ends);
    }
  }
  return { errors, total, newest };
}
