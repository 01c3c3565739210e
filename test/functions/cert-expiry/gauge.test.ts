import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaugeSeries, writeGauge } from '../../../functions/cert-expiry/gauge.js';
import { certExpiry } from '../../../functions/cert-expiry/handler.js';
import type { CertItem } from '../../../functions/cert-expiry/types.js';
import { EstateSchema } from '../../../functions/estate.js';
import { runForTest } from '../../../shared/testing/index.js';
import { createTlsFixtures, type TlsFixtures } from '../../support/tls-fixtures.js';
import { type RunningServer, serveOptions, startTlsServer } from '../../support/tls-servers.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);
const requests: { url: string; auth?: string; body: { timeSeries: unknown[] } }[] = [];
let status = 200;
let monitoring: Server;
let rootUrl = '';
let fx: TlsFixtures;
const servers: RunningServer[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  monitoring = createServer(async (req, res) => {
    requests.push({
      url: `${req.method} ${req.url}`,
      auth: req.headers.authorization,
      body: JSON.parse(await readBody(req)),
    });
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"error":{"code":500}}');
  });
  await new Promise<void>((r) => monitoring.listen(0, '127.0.0.1', r));
  rootUrl = `http://127.0.0.1:${(monitoring.address() as { port: number }).port}`;
  fx = createTlsFixtures(NOW);
  for (const leaf of [fx.leaves.ok, fx.leaves.warn]) servers.push(await startTlsServer(serveOptions(leaf, [fx.inter])));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await new Promise((r) => monitoring.close(r));
  fx?.pki.cleanup();
});

const item = (endpoint: string, notAfter: string | null): CertItem => ({ endpoint, notAfter }) as CertItem;

describe('gaugeSeries', () => {
  it('gives one point per endpoint with the soonest expiry and skips endpoints without a certificate', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const series = gaugeSeries(
      [item('a:443', '2026-06-11T00:00:00Z'), item('a:443', '2026-06-04T12:00:00Z'), item('b:443', null)],
      now,
      'custom.googleapis.com/opsfn/cert/days_to_expiry',
      'my-project',
    );
    expect(series).toEqual([
      {
        metric: { type: 'custom.googleapis.com/opsfn/cert/days_to_expiry', labels: { endpoint: 'a:443' } },
        resource: { type: 'global', labels: { project_id: 'my-project' } },
        metricKind: 'GAUGE',
        valueType: 'DOUBLE',
        points: [{ interval: { endTime: '2026-06-01T00:00:00.000Z' }, value: { doubleValue: 3.5 } }],
      },
    ]);
  });
});

describe('writeGauge', () => {
  it('posts at most 200 series per timeSeries.create request', async () => {
    requests.length = 0;
    const series = gaugeSeries(
      Array.from({ length: 450 }, (_, i) => item(`e${i}:443`, '2027-01-01T00:00:00Z')),
      NOW,
      'custom.googleapis.com/x',
      'my-project',
    );
    expect(await writeGauge(series, { project: 'my-project', rootUrl, auth: 'none', timeoutMs: 2_000 })).toBe(450);
    expect(requests.map((r) => [r.url, r.body.timeSeries.length])).toEqual([
      ['POST /v3/projects/my-project/timeSeries', 200],
      ['POST /v3/projects/my-project/timeSeries', 200],
      ['POST /v3/projects/my-project/timeSeries', 50],
    ]);
  });
});

describe('certExpiry with a gauge', () => {
  const estate = () =>
    EstateSchema.parse({
      endpoints: { monitoring: { url: rootUrl, credentials: 'none' } },
      certificates: {
        caFile: fx.caFile,
        gauge: { project: 'my-project' },
        endpoints: servers.map((s, i) => ({ host: `g${i}.test.local`, address: '127.0.0.1', port: s.port })),
      },
    });

  it('writes days_to_expiry per endpoint after the probes', async () => {
    requests.length = 0;
    status = 200;
    const { envelope } = await runForTest(
      certExpiry,
      { kind: 'manual', id: 'g1', payload: {} },
      { estate: estate(), now: () => NOW },
    );
    expect(envelope.gauge).toEqual({ written: 2 });
    const points = requests[0]!.body.timeSeries as {
      metric: { type: string; labels: { endpoint: string } };
      points: { value: { doubleValue: number } }[];
    }[];
    expect(
      points.map((p) => [p.metric.type, p.metric.labels.endpoint, Math.round(p.points[0]!.value.doubleValue)]),
    ).toEqual([
      ['custom.googleapis.com/opsfn/cert/days_to_expiry', `g0.test.local:${servers[0]!.port}`, 335],
      ['custom.googleapis.com/opsfn/cert/days_to_expiry', `g1.test.local:${servers[1]!.port}`, 20],
    ]);
  });

  it('keeps the items and the outcome when Monitoring fails', async () => {
    status = 500;
    const { envelope } = await runForTest(
      certExpiry,
      { kind: 'manual', id: 'g2', payload: {} },
      { estate: estate(), now: () => NOW },
    );
    expect(envelope.outcome).toBe('warn');
    expect(envelope.items).toHaveLength(2);
    expect(envelope.gauge).toEqual({ error: expect.stringMatching(/timeSeries: HTTP 500/) });
  });
});
