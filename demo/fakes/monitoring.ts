import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

/** request_count is sampled every 60 seconds. */
const SAMPLE_MS = 60_000;

interface Count {
  service: string;
  revision: string;
  codeClass: string;
  at: number;
  value: number;
}

/**
 * A Cloud Monitoring API v3 `timeSeries.list` fake for `run.googleapis.com/request_count`: the test records
 * request counts per service, revision and response class at a time; the fake filters by `service_name` /
 * `revision_name` and the interval, and answers one series per response class holding one summed point per
 * `aggregation.alignmentPeriod` that has data (periods end at `interval.endTime`, newest first; the whole interval
 * without one), `int64Value` as a string, one series per page so callers must follow `nextPageToken`. A count shows
 * only `ingestionDelayMs` after the end of its minute's sample, by the fake's clock, or at once without a delay
 * (test/fakes/README.md).
 */
export class FakeMonitoring {
  readonly server = new RecordingServer((r) => this.route(r));
  private readonly counts: Count[] = [];
  /** Time series per page. */
  pageSize = 1;
  /**
   * How long after the fact a count shows: Cloud Run's request_count is "Sampled every 60 seconds. After sampling,
   * data is not visible for up to 180 seconds" (cloud.google.com/monitoring/api/v3/latency-n-retention). 0 by
   * default, for tests that place their traffic in the past; 180_000 serves what the API documents.
   */
  ingestionDelayMs = 0;
  /** The fake's clock, which decides what shows yet (ms since the epoch); the real one by default. */
  now: () => number = () => Date.now();

  /** Records `value` requests of `codeClass` (`2xx`, `5xx`) served by a revision at time `at`. */
  record(service: string, revision: string, codeClass: string, at: Date, value: number): void {
    this.counts.push({ service, revision, codeClass, at: at.getTime(), value });
  }

  /** Records `total` requests of which `errors` were 5xx, at time `at`. */
  traffic(service: string, revision: string, at: Date, total: number, errors: number): void {
    this.record(service, revision, '2xx', at, total - errors);
    this.record(service, revision, '5xx', at, errors);
  }

  private route(r: RecordedRequest): FakeReply {
    const m = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(r.path);
    if (!m || r.method !== 'GET') return googleError(404, 'NOT_FOUND', `${r.path} not found`);
    const filter = r.query.get('filter') ?? '';
    if (!filter.includes('metric.type = "run.googleapis.com/request_count"')) {
      return googleError(400, 'INVALID_ARGUMENT', 'this fake serves run.googleapis.com/request_count only');
    }
    const start = Date.parse(r.query.get('interval.startTime') ?? '');
    const end = Date.parse(r.query.get('interval.endTime') ?? '');
    if (!Number.isFinite(end)) return googleError(400, 'INVALID_ARGUMENT', 'interval.endTime is required');
    const service = /resource\.labels?\.service_name = "([^"]+)"/.exec(filter)?.[1];
    const revision = /resource\.labels?\.revision_name = "([^"]+)"/.exec(filter)?.[1];
    const from = Number.isFinite(start) ? start : end - 60_000;
    const alignment = r.query.get('aggregation.alignmentPeriod');
    const aligned = alignment === null ? undefined : /^(\d+)s$/.exec(alignment);
    if (aligned === null) return googleError(400, 'INVALID_ARGUMENT', `Invalid alignment period: ${alignment}`);
    if (aligned && Number(aligned[1]) < 60) {
      return googleError(400, 'INVALID_ARGUMENT', 'The alignment period must be at least 60 seconds.');
    }
    const period = aligned ? Number(aligned[1]) * 1000 : end - from;
    // A count is sampled with its minute and shows `ingestionDelayMs` after that sample; without a delay, at once.
    const shows = (at: number) =>
      this.ingestionDelayMs === 0
        ? at <= this.now()
        : Math.ceil(at / SAMPLE_MS) * SAMPLE_MS + this.ingestionDelayMs <= this.now();
    // Per response class, the summed counts of each alignment period (0 is the one ending at endTime).
    const byClass = new Map<string, Map<number, number>>();
    for (const c of this.counts) {
      if (service !== undefined && c.service !== service) continue;
      if (revision !== undefined && c.revision !== revision) continue;
      if (c.at <= from || c.at > end || !shows(c.at)) continue;
      // Periods hold (start, end]: a count at a period's end belongs to it.
      const k = Math.floor((end - c.at) / period);
      const periods = byClass.get(c.codeClass) ?? new Map<number, number>();
      periods.set(k, (periods.get(k) ?? 0) + c.value);
      byClass.set(c.codeClass, periods);
    }
    const timeSeries = [...byClass].map(([codeClass, periods]) => ({
      metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: codeClass } },
      resource: {
        type: 'cloud_run_revision',
        labels: { project_id: m[1], ...(service ? { service_name: service } : {}) },
      },
      metricKind: 'DELTA',
      valueType: 'INT64',
      points: [...periods]
        .sort(([a], [b]) => a - b)
        .map(([k, value]) => ({
          interval: {
            startTime: new Date(Math.max(from, end - (k + 1) * period)).toISOString(),
            endTime: new Date(end - k * period).toISOString(),
          },
          value: { int64Value: String(value) },
        })),
    }));
    const page = Number(r.query.get('pageToken') || 0);
    const next = page + this.pageSize < timeSeries.length ? String(page + this.pageSize) : '';
    return {
      status: 200,
      body: { timeSeries: timeSeries.slice(page, page + this.pageSize), nextPageToken: next, unit: '1' },
    };
  }
}
