import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckOptions, defaultThreads, sweepCertificates } from '../../../functions/cert-expiry/check.js';
import { probeWorkerCount, stopProbeWorkers } from '../../../functions/cert-expiry/probe-pool.js';
import type { Target } from '../../../functions/cert-expiry/types.js';
import { createTlsFixtures, type TlsFixtures } from '../../support/tls-fixtures.js';
import { type RunningServer, serveOptions, startHangingServer, startTlsServer } from '../../support/tls-servers.js';

let fx: TlsFixtures;
let warn: RunningServer;
let hanging: RunningServer;

beforeAll(async () => {
  fx = createTlsFixtures();
  warn = await startTlsServer(serveOptions(fx.leaves.warn, [fx.inter]));
  hanging = await startHangingServer();
}, 60_000);

afterAll(async () => {
  await Promise.all([warn?.close(), hanging?.close()]);
  fx?.pki.cleanup();
});

const targets = (count: number, port: number, caFiles: string[] = []): Target[] =>
  Array.from({ length: count }, (_, i) => ({
    endpoint: `e${i}.test.local:${port}`,
    host: `e${i}.test.local`,
    port,
    servername: `e${i}.test.local`,
    address: '127.0.0.1',
    protocol: 'tls',
    caFiles,
  }));

const options = (extra: Partial<CheckOptions> = {}): CheckOptions => ({
  now: () => new Date(),
  thresholds: { warnDays: 30, criticalDays: 7 },
  timeoutMs: 5_000,
  concurrency: 8,
  runTimeoutMs: 20_000,
  threads: 2,
  ...extra,
});

describe('defaultThreads', () => {
  it.each([
    [1_000, 64, 2, 1],
    [1_000, 64, 8, 7],
    [100, 64, 8, 2],
    [63, 64, 2, 0],
    [1_000, 64, 1, 0],
    [1_000, 1, 8, 0],
  ])(
    'gives %i targets at concurrency %i on %i cores %i worker threads beside the calling one',
    (count, concurrency, cores, threads) => {
      expect(defaultThreads(count, concurrency, cores)).toBe(threads);
    },
  );
});

describe('probe worker threads', () => {
  it('serves two sweeps at once, each judged by its own settings and roots', async () => {
    const [strict, lenient] = await Promise.all([
      sweepCertificates(targets(6, warn.port, [fx.caFile]), options()),
      sweepCertificates(targets(6, warn.port), options({ thresholds: { warnDays: 10, criticalDays: 7 } })),
    ]);
    expect(strict.threads).toBe(2);
    expect(strict.items.map((i) => [i.status, i.problems])).toEqual(Array(6).fill(['warn', ['expiring']]));
    expect(lenient.items.map((i) => [i.status, i.problems])).toEqual(Array(6).fill(['critical', ['untrusted']]));
  });

  it('keeps the workers for the next sweep and stops them once idle', async () => {
    await sweepCertificates(targets(2, warn.port, [fx.caFile]), options());
    expect(probeWorkerCount()).toBe(2);
    const { openSweepPool } = await import('../../../functions/cert-expiry/probe-pool.js');
    const pool = openSweepPool({
      size: 2,
      settings: { now: Date.now(), thresholds: { warnDays: 30, criticalDays: 7 }, timeoutMs: 1_000, concurrency: 2 },
      stores: new Map(),
      signal: new AbortController().signal,
      inline: () => Promise.reject(new Error('not expected inline')),
      onWorkerError: () => undefined,
      idleMs: 50,
    });
    pool.close();
    await expect.poll(() => probeWorkerCount(), { timeout: 5_000 }).toBe(0);
  });

  it('finishes every probe on the calling thread when the workers stop mid-sweep', async () => {
    const sweep = sweepCertificates(targets(4, hanging.port), options({ timeoutMs: 1_500 }));
    await expect.poll(() => probeWorkerCount()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopProbeWorkers();
    const { items, threads, workerErrors } = await sweep;
    expect(threads).toBe(0);
    expect(workerErrors).toContain('probe worker threads stopped');
    expect(items.map((i) => [i.host, i.status, i.problems])).toEqual(
      targets(4, hanging.port).map((t) => [t.host, 'error', ['timeout']]),
    );
  });
});
