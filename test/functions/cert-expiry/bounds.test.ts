import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCertificates, createLimiter } from '../../../functions/cert-expiry/check.js';
import type { Target } from '../../../functions/cert-expiry/types.js';
import { REFUSED_PORT, type RunningServer, startHangingServer } from '../../support/tls-servers.js';

let hanging: RunningServer;

beforeAll(async () => {
  hanging = await startHangingServer();
});

afterAll(() => hanging.close());

const target = (host: string, port: number): Target => ({
  endpoint: `${host}:${port}`,
  host,
  port,
  servername: host,
  protocol: 'tls',
  caFiles: [],
});
const base = {
  now: () => new Date(),
  thresholds: { warnDays: 30, criticalDays: 7 },
};

describe('createLimiter', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        limit(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

// Each bound holds on the calling thread and on worker threads alike.
describe.each([0, 2])('checkCertificates bounds on %i worker threads', (threads) => {
  it('keeps lookups and probes within the concurrency', async () => {
    let active = 0;
    let peak = 0;
    const lookup = async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return ['127.0.0.1'];
    };
    const targets = Array.from({ length: 10 }, (_, i) => target(`n${i}.test.local`, REFUSED_PORT));
    const items = await checkCertificates(targets, {
      ...base,
      threads,
      timeoutMs: 2_000,
      concurrency: 3,
      runTimeoutMs: 10_000,
      lookup,
    });
    expect(peak).toBeLessThanOrEqual(3);
    expect(items.map((i) => i.problems[0])).toEqual(Array(10).fill('refused'));
  });

  it('ends the whole run at its deadline, whatever the probe timeout', async () => {
    const targets = Array.from({ length: 6 }, (_, i) => target(`h${i}.test.local`, hanging.port));
    const started = Date.now();
    const items = await checkCertificates(targets, {
      ...base,
      threads,
      timeoutMs: 30_000,
      concurrency: 2,
      runTimeoutMs: 800,
      lookup: async () => ['127.0.0.1'],
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(items).toHaveLength(6);
    expect(
      items.every((i) => i.status === 'error' && i.problems[0] === 'timeout' && /run deadline/.test(i.error!)),
    ).toBe(true);
  });

  it('ends the run when the caller aborts it', async () => {
    const targets = Array.from({ length: 4 }, (_, i) => target(`a${i}.test.local`, hanging.port));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    const items = await checkCertificates(targets, {
      ...base,
      threads,
      timeoutMs: 30_000,
      concurrency: 4,
      runTimeoutMs: 60_000,
      signal: controller.signal,
      lookup: async () => ['127.0.0.1'],
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(items.map((i) => [i.host, i.problems])).toEqual(targets.map((t) => [t.host, ['timeout']]));
  });

  it('bounds DNS and the probe together by one timeout', async () => {
    const slowLookup = async () => {
      await new Promise((r) => setTimeout(r, 1_200));
      return ['127.0.0.1'];
    };
    const started = Date.now();
    const [item] = await checkCertificates([target('late.test.local', hanging.port)], {
      ...base,
      threads,
      timeoutMs: 2_000,
      concurrency: 2,
      runTimeoutMs: 10_000,
      lookup: slowLookup,
    });
    const elapsed = Date.now() - started;
    expect(item).toMatchObject({ status: 'error', problems: ['timeout'] });
    expect(item?.error).toMatch(/^no TLS handshake within 2000ms \(1[12]\d\dms of it on DNS\)$/);
    expect(elapsed).toBeGreaterThanOrEqual(1_950);
    expect(elapsed).toBeLessThan(2_700);
  });

  it('ends a DNS lookup in flight at the run deadline, whatever the probe timeout', async () => {
    const started = Date.now();
    const items = await checkCertificates([target('stuck.test.local', 443), target('stuck2.test.local', 443)], {
      ...base,
      threads,
      timeoutMs: 30_000,
      concurrency: 2,
      runTimeoutMs: 500,
      lookup: () => new Promise<string[]>(() => undefined),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(items.map((i) => [i.host, i.status, i.problems, i.error])).toEqual([
      ['stuck.test.local', 'error', ['timeout'], 'run deadline reached during the DNS lookup of stuck.test.local'],
      ['stuck2.test.local', 'error', ['timeout'], 'run deadline reached during the DNS lookup of stuck2.test.local'],
    ]);
  });

  it('turns a resolver that hangs or fails into dns items', async () => {
    const items = await checkCertificates([target('slow.test.local', 443), target('gone.test.local', 443)], {
      ...base,
      threads,
      timeoutMs: 300,
      concurrency: 2,
      runTimeoutMs: 10_000,
      lookup: (host) =>
        host === 'slow.test.local'
          ? new Promise<string[]>(() => undefined)
          : Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    });
    expect(items.map((i) => [i.host, i.status, i.problems, i.error])).toEqual([
      ['slow.test.local', 'error', ['dns'], 'DNS lookup of slow.test.local took longer than 300ms'],
      ['gone.test.local', 'error', ['dns'], 'cannot resolve gone.test.local: ENOTFOUND'],
    ]);
  });
});
