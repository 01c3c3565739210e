import { type FakeReply, googleError, type RecordedRequest, RecordingServer } from './recording-server.js';

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
 * `revision_name` and the interval, and answers one summed point per response class, `int64Value` as a
 * string, one series per page so callers must follow `nextPageToken` (test/fakes/README.md).
 */
export class FakeMonitoring {
  readonly server = new RecordingServer((r) => this.route(r));
  private readonly counts: Count[] = [];
  /** Time series per page. */
  pageSize = 1;

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
    const byClass = new Map<string, number>();
    for (const c of this.counts) {
      if (service !== undefined && c.service !== service) continue;
      if (revision !== undefined && c.revision !== revision) continue;
      if (c.at <= (Number.isFinite(start) ? start : end - 60_000) || c.at > end) continue;
      byClass.set(c.codeClass, (byClass.get(c.codeClass) ?? 0) + c.value);
    }
    const interval = {
      startTime: new Date(Number.isFinite(start) ? start : end).toISOString(),
      endTime: new Date(end).toISOString(),
    };
    const timeSeries = [...byClass].map(([codeClass, value]) => ({
      metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: codeClass } },
      resource: {
        type: 'cloud_run_revision',
        labels: { project_id: m[1], ...(service ? { service_name: service } : {}) },
      },
      metricKind: 'DELTA',
      valueType: 'INT64',
      points: [{ interval, value: { int64Value: String(value) } }],
    }));
    const from = Number(r.query.get('pageToken') || 0);
    const next = from + this.pageSize < timeSeries.length ? String(from + this.pageSize) : '';
    return {
      status: 200,
      body: { timeSeries: timeSeries.slice(from, from + this.pageSize), nextPageToken: next, unit: '1' },
    };
  }
}
