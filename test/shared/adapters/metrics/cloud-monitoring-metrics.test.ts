import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudMonitoringMetrics } from '../../../../shared/adapters/metrics/cloud-monitoring-metrics.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { FakeMonitoring } from '../../../fakes/monitoring.js';

const END = new Date('2026-01-01T12:00:00Z');
const minutesBefore = (m: number) => new Date(END.getTime() - m * 60_000);
const TS = /^\/v3\/projects\/p1\/timeSeries$/;

describe('CloudMonitoringMetrics', () => {
  let fake: FakeMonitoring;
  let metrics: CloudMonitoringMetrics;

  beforeEach(async () => {
    fake = new FakeMonitoring();
    metrics = new CloudMonitoringMetrics({
      project: 'p1',
      service: 'web',
      rootUrl: await fake.server.start(),
      auth: { getRequestHeaders: async () => ({ authorization: 'Bearer mon-token' }) },
      timeoutMs: 300,
      retries: 2,
      retryDelayMs: 5,
    });
  });
  afterEach(() => fake.server.stop());

  it('sums 5xx and all classes of one revision over the window', async () => {
    fake.traffic('web', 'web-2', minutesBefore(2), 400, 40);
    fake.traffic('web', 'web-2', minutesBefore(1), 600, 60);
    fake.traffic('web', 'web-1', minutesBefore(1), 1000, 0);
    fake.traffic('web', 'web-2', minutesBefore(30), 1000, 1000);
    const sample = await metrics.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
    // 100 errors over the 300 s window: it ended long before the read, so all of it shows.
    expect(sample).toEqual({ ratio: 0.1, perSecond: 100 / 300, total: 1000, errors: 100 });
  });

  describe('as Cloud Monitoring shows data: up to 180 s after the fact', () => {
    beforeEach(() => {
      fake.ingestionDelayMs = 180_000;
      fake.now = () => END.getTime();
      // Read at END.
      metrics = new CloudMonitoringMetrics({
        project: 'p1',
        service: 'web',
        rootUrl: fake.server.url,
        auth: 'none',
        now: () => END,
      });
    });

    it('reads a rate over the part of the window the API shows yet, not over the whole window', async () => {
      // One 5xx a second for the five minutes before END (600 requests, 60 of them 5xx, each minute).
      for (let m = 0; m < 5; m++) fake.traffic('web', 'web-2', new Date(minutesBefore(m).getTime() - 30_000), 600, 60);
      const sample = await metrics.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
      // Only the two minutes older than 180 s show: 120 errors over 120 s, not over 300 s (0.4/s, under a 1/s page).
      expect(sample).toEqual({ ratio: 0.1, perSecond: 1, total: 1200, errors: 120 });
    });

    it('counts what is older than the delay and shows nothing as quiet', async () => {
      // Traffic in the window's first minute only: the next two minutes are old enough to show, and are empty.
      fake.traffic('web', 'web-2', minutesBefore(4.5), 600, 60);
      const sample = await metrics.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
      expect(sample).toEqual({ ratio: 0.1, perSecond: 0.5, total: 600, errors: 60 });
    });

    it('reads a window that ended 180 s before the read whole, quiet minutes and all', async () => {
      // The settle window a verification reads: the 3 minutes that ended 180 s ago, traffic in its first minute only.
      fake.traffic('web', 'web-2', minutesBefore(5.5), 600, 60);
      const sample = await metrics.errorRate({ revision: 'web-2', end: minutesBefore(3), windowMs: 180_000 });
      expect(sample).toEqual({ ratio: 0.1, perSecond: 60 / 180, total: 600, errors: 60 });
    });

    it('counts no time before `from`: a revision created inside the window served nothing before it', async () => {
      fake.traffic('web', 'web-2', minutesBefore(3.5), 600, 60);
      const sample = await metrics.errorRate({
        revision: 'web-2',
        end: END,
        windowMs: 300_000,
        from: minutesBefore(4),
      });
      // From its creation 4 minutes ago to 180 s ago: 60 s.
      expect(sample).toEqual({ ratio: 0.1, perSecond: 1, total: 600, errors: 60 });
    });

    it('has no reading for a window the API shows nothing of yet', async () => {
      fake.traffic('web', 'web-2', minutesBefore(1), 600, 60);
      await expect(metrics.errorRate({ revision: 'web-2', end: END, windowMs: 120_000 })).resolves.toBeUndefined();
    });

    it('says how long after the fact its data shows, for a reading that must wait for it', () => {
      expect(metrics.visibleAfterMs).toBe(180_000);
    });
  });

  it('asks timeSeries.list for request_count per response class, aligned per minute over the window', async () => {
    await metrics.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
    const [request] = fake.server.find('GET', TS);
    expect(request?.headers.authorization).toBe('Bearer mon-token');
    expect(request?.query.get('filter')).toBe(
      'metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "web" AND resource.labels.revision_name = "web-2"',
    );
    expect(Object.fromEntries(request?.query ?? [])).toMatchObject({
      'interval.startTime': '2026-01-01T11:55:00.000Z',
      'interval.endTime': '2026-01-01T12:00:00.000Z',
      'aggregation.alignmentPeriod': '60s',
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.groupByFields': 'metric.labels.response_code_class',
    });
  });

  it('returns undefined when the window holds no requests', async () => {
    await expect(metrics.errorRate({ end: END, windowMs: 300_000 })).resolves.toBeUndefined();
  });

  it('refuses an answer the API marks incomplete instead of reading a ratio from part of it', async () => {
    // Only the 2xx series came back; the region holding the 5xx series was unreachable.
    fake.server.failNext('GET', TS, {
      status: 200,
      body: {
        timeSeries: [
          {
            metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '2xx' } },
            points: [{ interval: { endTime: END.toISOString() }, value: { int64Value: '1000' } }],
          },
        ],
        executionErrors: [{ code: 14, message: 'backend unavailable' }],
        unreachable: ['europe-west1'],
      },
    });
    const reading = metrics.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
    await expect(reading).rejects.toBeInstanceOf(DependencyError);
    await expect(reading).rejects.toThrow(
      /incomplete data: execution error 14 \(backend unavailable\); unreachable regions europe-west1/,
    );
  });

  it('retries 5xx within its bound, then throws a DependencyError', async () => {
    fake.server.failNext('GET', TS, { status: 503, body: {} }, 10);
    await expect(metrics.errorRate({ end: END, windowMs: 300_000 })).rejects.toBeInstanceOf(DependencyError);
    expect(fake.server.find('GET', TS)).toHaveLength(3);
  });

  it('does not retry a 403', async () => {
    fake.server.failNext('GET', TS, { status: 403, body: { error: { code: 403 } } }, 10);
    await expect(metrics.errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow(/HTTP 403/);
    expect(fake.server.find('GET', TS)).toHaveLength(1);
  });

  it('times out a hanging API', async () => {
    fake.server.failNext('GET', TS, { hang: true }, 10);
    await expect(metrics.errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow(/timed out/);
    expect(fake.server.find('GET', TS)).toHaveLength(3);
  });
});
