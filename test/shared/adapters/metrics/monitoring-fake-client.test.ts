import { MetricServiceClient } from '@google-cloud/monitoring';
import { googleAuthLibrary } from 'google-gax';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudMonitoringMetrics } from '../../../../shared/adapters/metrics/cloud-monitoring-metrics.js';
import { FakeMonitoring } from '../../../fakes/monitoring.js';

const END = new Date('2026-01-01T12:00:00Z');
const minutesBefore = (m: number) => new Date(END.getTime() - m * 60_000);
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

describe('FakeMonitoring driven by @google-cloud/monitoring', () => {
  let fake: FakeMonitoring;
  let client: MetricServiceClient;

  beforeEach(async () => {
    fake = new FakeMonitoring();
    const url = new URL(await fake.server.start());
    // The auth library bundled with the client, so its client type matches the one the options expect.
    const authClient = new googleAuthLibrary.OAuth2Client();
    authClient.setCredentials({ access_token: 'client-token', expiry_date: Date.now() + 3_600_000 });
    // The official client over its REST transport, pointed at the fake.
    client = new MetricServiceClient({
      fallback: true,
      apiEndpoint: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      authClient,
    });
    fake.traffic('web', 'web-2', minutesBefore(2), 1000, 150);
    fake.traffic('web', 'web-1', minutesBefore(3), 4000, 4);
    fake.traffic('web', 'web-2', minutesBefore(30), 1000, 1000);
  });
  afterEach(async () => {
    await client.close();
    await fake.server.stop();
  });

  /** Request counts per response class of one revision over five minutes, as the official client reads them. */
  async function perClass(revision: string): Promise<Record<string, number>> {
    const [series] = await client.listTimeSeries(
      {
        name: 'projects/p1',
        filter: [
          'metric.type = "run.googleapis.com/request_count"',
          'resource.type = "cloud_run_revision"',
          'resource.labels.service_name = "web"',
          `resource.labels.revision_name = "${revision}"`,
        ].join(' AND '),
        interval: { startTime: { seconds: seconds(minutesBefore(5)) }, endTime: { seconds: seconds(END) } },
        aggregation: {
          alignmentPeriod: { seconds: 300 },
          perSeriesAligner: 'ALIGN_DELTA',
          crossSeriesReducer: 'REDUCE_SUM',
          groupByFields: ['metric.labels.response_code_class'],
        },
        view: 'FULL',
      },
      // The fake answers one series per page: the official client follows nextPageToken itself.
      { autoPaginate: true },
    );
    return Object.fromEntries(
      series.map((s) => [
        s.metric?.labels?.response_code_class ?? '',
        (s.points ?? []).reduce((n, p) => n + Number(p.value?.int64Value ?? 0), 0),
      ]),
    );
  }

  it('answers the official client per response class, filtered by revision and interval', async () => {
    expect(await perClass('web-2')).toEqual({ '2xx': 850, '5xx': 150 });
    expect(await perClass('web-1')).toEqual({ '2xx': 3996, '5xx': 4 });
    const [request] = fake.server.requests;
    expect(request?.headers.authorization).toBe('Bearer client-token');
  });

  it('agrees with the adapter the rollback function uses', async () => {
    const adapter = new CloudMonitoringMetrics({
      project: 'p1',
      service: 'web',
      rootUrl: fake.server.url,
      auth: 'none',
    });
    const sample = await adapter.errorRate({ revision: 'web-2', end: END, windowMs: 300_000 });
    const classes = await perClass('web-2');
    expect(sample).toEqual({ ratio: 0.15, perSecond: 0.5, total: 1000, errors: 150 });
    expect(sample?.errors).toBe(classes['5xx']);
    expect(sample?.total).toBe((classes['2xx'] ?? 0) + (classes['5xx'] ?? 0));
  });
});
