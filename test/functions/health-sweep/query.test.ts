import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryInstant } from '../../../shared/adapters/metrics/prometheus-query.js';
import type { LocalProcess } from '../../support/local-process.js';
import { startPrometheus } from '../../support/prometheus.js';
import { healthHarness, httpServer, itemsOf } from './harness.js';

let exporter: Awaited<ReturnType<typeof httpServer>>;
let prometheus: LocalProcess;

beforeAll(async () => {
  exporter = await httpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE node_filesystem_free_ratio gauge',
        'node_filesystem_free_ratio{mountpoint="/"} 0.42',
        'node_filesystem_free_ratio{mountpoint="/data"} 0.12',
        '# TYPE app_cpu_ratio gauge',
        'app_cpu_ratio{service="api"} 0.55',
        '',
      ].join('\n'),
    );
  });
  prometheus = await startPrometheus({ scrapeTarget: new URL(exporter.url).host, rules: 'groups: []\n' });
  // Wait for the first scrape to land.
  for (let i = 0; i < 100; i++) {
    if ((await queryInstant({ url: prometheus.url }, 'app_cpu_ratio')).length > 0) break;
    await delay(100);
  }
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

describe('healthSweep query checks against a real Prometheus', () => {
  it('judges series above and below thresholds, no data and a broken query', async () => {
    const h = healthHarness({
      endpoints: { prometheus: { url: prometheus.url } },
      health: {
        checks: [
          // Runbook 004: disk below 80 % used is 20 % free; 000: disk warn at 85 %, critical at 95 %.
          {
            name: 'disk',
            kind: 'query',
            query: 'node_filesystem_free_ratio',
            direction: 'below',
            warn: 0.2,
            fail: 0.05,
          },
          { name: 'cpu', kind: 'query', query: 'app_cpu_ratio', warn: 0.7, fail: 0.85 },
          { name: 'absent', kind: 'query', query: 'up{job="nothing"}', fail: 1, noData: 'fail' },
          { name: 'broken', kind: 'query', query: 'sum(', fail: 1 },
        ],
      },
    });
    const items = itemsOf(await h.invoke());
    expect(items.disk).toMatchObject({
      status: 'warn',
      detail:
        '1/2 series 0.1200 {instance="' +
        new URL(exporter.url).host +
        '", job="app", mountpoint="/data"} (warn ≤ 0.2, fail ≤ 0.05)',
    });
    expect(items.cpu).toMatchObject({ status: 'ok' });
    expect(items.cpu?.detail).toMatch(/^0\.5500 \{.*service="api"\} \(warn ≥ 0\.7, fail ≥ 0\.85\)$/);
    expect(items.absent).toMatchObject({ status: 'fail', detail: 'no data for up{job="nothing"}' });
    expect(items.broken?.status).toBe('fail');
    expect(items.broken?.detail).toMatch(/HTTP 400.*parse error/);
  });

  it.each([
    ['a bearer token from a secret ref', { bearer: { env: 'HEALTH_PROM_TOKEN' } }, 'Bearer s3cret'],
    ['Google credentials (Managed Service for Prometheus)', 'google', 'Bearer ya29.google'],
  ] as const)(
    'sends the endpoint credentials (%s) to a Prometheus that requires them',
    async (_, credentials, expected) => {
      const seen: (string | undefined)[] = [];
      // An authenticating front for the real Prometheus: 401 without the expected header, as Google's API answers.
      const front = await httpServer(async (req, res) => {
        seen.push(req.headers.authorization);
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"error":"unauthenticated"}');
          return;
        }
        const upstream = await fetch(`${prometheus.url}${req.url ?? '/'}`);
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      });
      process.env.HEALTH_PROM_TOKEN = 's3cret';
      try {
        const h = healthHarness(
          {
            endpoints: { prometheus: { url: front.url, credentials } },
            health: { checks: [{ name: 'cpu', kind: 'query', query: 'app_cpu_ratio', warn: 0.7, fail: 0.85 }] },
          },
          { googleHeaders: async () => ({ authorization: 'Bearer ya29.google' }) },
        );
        expect(itemsOf(await h.invoke()).cpu).toMatchObject({ status: 'ok' });
        expect(seen).toEqual([expected]);
      } finally {
        delete process.env.HEALTH_PROM_TOKEN;
        await front.stop();
      }
    },
  );

  it('fails a prometheus query when the estate names no Prometheus', async () => {
    const h = healthHarness({ health: { checks: [{ name: 'cpu', kind: 'query', query: 'up', fail: 1 }] } });
    expect(itemsOf(await h.invoke()).cpu?.detail).toBe('no endpoints.prometheus in the estate for a prometheus query');
  });
});
