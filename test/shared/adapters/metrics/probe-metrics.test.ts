import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProbeMetrics } from '../../../../shared/adapters/metrics/probe-metrics.js';

describe('ProbeMetrics', () => {
  let server: Server;
  let url: string;
  let answers: number[];
  let hits: number;

  beforeEach(async () => {
    hits = 0;
    answers = [];
    server = createServer((_req, res) => {
      const status = answers[hits++] ?? 200;
      if (status === 0) return; // never answers: the probe's timeout counts it as an error
      res.writeHead(status).end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('counts 5xx answers and failed requests as errors over the samples it takes', async () => {
    answers = [200, 500, 503, 404, 0];
    const probe = new ProbeMetrics({ url, samples: 5, timeoutMs: 1_000 });
    const sample = await probe.errorRate({ end: new Date(), windowMs: 100 });
    expect(sample).toEqual({ ratio: 3 / 5, total: 5, errors: 3 });
    expect(hits).toBe(5);
  });

  it('spreads the samples over the window', async () => {
    const probe = new ProbeMetrics({ url, samples: 3, timeoutMs: 200 });
    const started = Date.now();
    expect(await probe.errorRate({ end: new Date(), windowMs: 400 })).toMatchObject({ ratio: 0, total: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('has no data for a window that ended in the past, and sends nothing', async () => {
    const probe = new ProbeMetrics({ url, samples: 3, timeoutMs: 200 });
    expect(await probe.errorRate({ end: new Date(Date.now() - 60_000), windowMs: 1_000 })).toBeUndefined();
    expect(hits).toBe(0);
  });

  it('stops when the run is cancelled instead of counting that as the service failing', async () => {
    const probe = new ProbeMetrics({ url, samples: 3, timeoutMs: 200 });
    const controller = new AbortController();
    const pending = probe.errorRate({ end: new Date(), windowMs: 10_000, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});
