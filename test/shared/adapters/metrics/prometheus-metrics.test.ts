import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrometheusMetrics, renderQuery } from '../../../../shared/adapters/metrics/prometheus-metrics.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { type FakeReply, RecordingServer } from '../../../fakes/recording-server.js';

const END = new Date('2026-01-01T12:00:00Z');
const vector = (...values: string[]): FakeReply => ({
  status: 200,
  body: {
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1, v] })) },
  },
});

describe('PrometheusMetrics', () => {
  let server: RecordingServer;
  let replies: Record<string, FakeReply>;

  const metrics = (totalQuery?: string) =>
    new PrometheusMetrics({
      url: server.url,
      query: 'ratio[$window]',
      ...(totalQuery ? { totalQuery } : {}),
      timeoutMs: 300,
      retries: 1,
      retryDelayMs: 5,
    });

  beforeEach(async () => {
    replies = {};
    server = new RecordingServer((r) => replies[r.query.get('query') ?? ''] ?? vector());
    await server.start();
  });
  afterEach(() => server.stop());

  it('evaluates the ratio and the total at the end of the window', async () => {
    replies['ratio[300s]'] = vector('0.05');
    replies['total[300s]'] = vector('600', '400');
    await expect(metrics('total[$window]').errorRate({ end: END, windowMs: 300_000 })).resolves.toEqual({
      ratio: 0.05,
      total: 1000,
    });
    expect(server.requests[0]?.path).toBe('/api/v1/query');
    expect(server.requests[0]?.query.get('time')).toBe(`${String(END.getTime() / 1000)}.000`);
  });

  it('reads a rate query as 5xx responses per second, which may exceed 1', async () => {
    replies['rate[300s]'] = vector('2.5');
    const rate = new PrometheusMetrics({ url: server.url, query: 'rate[$window]', measure: 'rate', timeoutMs: 300 });
    await expect(rate.errorRate({ end: END, windowMs: 300_000 })).resolves.toEqual({ perSecond: 2.5 });
    replies['rate[300s]'] = vector('-1');
    await expect(rate.errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow('rate query returned -1, below 0');
    replies['ratio[300s]'] = vector('2.5');
    await expect(metrics().errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow('outside [0, 1]');
  });

  it('returns undefined for an empty vector or NaN', async () => {
    await expect(metrics().errorRate({ end: END, windowMs: 300_000 })).resolves.toBeUndefined();
    replies['ratio[300s]'] = vector('NaN');
    await expect(metrics().errorRate({ end: END, windowMs: 300_000 })).resolves.toBeUndefined();
  });

  it('refuses a ratio query that returns several series', async () => {
    replies['ratio[300s]'] = vector('0.1', '0.2');
    await expect(metrics().errorRate({ end: END, windowMs: 300_000 })).rejects.toThrow(/wrap it in sum/);
  });

  it('turns a query error into a DependencyError', async () => {
    replies['ratio[300s]'] = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } };
    await expect(metrics().errorRate({ end: END, windowMs: 300_000 })).rejects.toBeInstanceOf(DependencyError);
    expect(server.requests).toHaveLength(1);
  });

  it('substitutes $window and $revision', () => {
    expect(renderQuery('rate(x{rs="$revision"}[$window])', { revision: 'web-abc', end: END, windowMs: 180_000 })).toBe(
      'rate(x{rs="web-abc"}[180s])',
    );
  });
});
