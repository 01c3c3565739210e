import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notifier } from '../../../shared/core/notify/index.js';
import { healthHarness, httpServer, itemsOf } from './harness.js';

const health = { api: true, worker: true };
let app: Awaited<ReturnType<typeof httpServer>>;

beforeAll(async () => {
  app = await httpServer((req, res) => {
    const up = req.url === '/api' ? health.api : health.worker;
    res.writeHead(up ? 200 : 503);
    res.end(up ? 'ok' : 'down');
  });
});
afterAll(() => app.stop());

const services = { api: { platform: 'cloud-run' as const, project: 'p', region: 'r', name: 'api' } };

describe('healthSweep notifications', () => {
  it('pages once after failAfter, stays quiet, reminds, and resolves with the outage length', async () => {
    health.api = true;
    const h = healthHarness({
      services,
      health: { checks: [{ name: 'api-health', kind: 'http', service: 'api', url: `${app.url}/api`, failAfter: 2 }] },
    });
    await h.invoke();
    health.api = false;
    const first = await h.invoke();
    expect(itemsOf(first)['api-health']).toMatchObject({ status: 'fail', failures: 1, down: false });
    expect(h.sent).toEqual([]);
    h.advance(5 * 60_000);
    const second = await h.invoke();
    expect(itemsOf(second)['api-health']).toMatchObject({ failures: 2, down: true });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({
      severity: 'critical',
      title: 'api down: api-health',
      dedupKey: 'health:api:2026-03-02T09:00:00.000Z',
    });
    expect(h.sent[0]?.text).toMatch(/Failing since 2026-03-02T09:00:00.000Z:\n- api-health: GET .* → 503/);
    h.advance(5 * 60_000);
    await h.invoke();
    expect(h.sent).toHaveLength(1);
    h.advance(4 * 3_600_000);
    await h.invoke();
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]).toMatchObject({ severity: 'warning', title: 'api still down after 4h10m' });
    h.advance(4 * 60_000);
    health.api = true;
    const recovered = await h.invoke();
    expect(recovered.outcome).toBe('ok');
    expect(h.sent).toHaveLength(3);
    expect(h.sent[2]).toMatchObject({
      severity: 'info',
      title: 'api recovered after 4h14m',
      resolve: true,
      dedupKey: 'health:api:2026-03-02T09:00:00.000Z',
    });
  });

  it('pages again at the next sweep when no channel took the page, and keeps the incident until a recovery is heard', async () => {
    health.api = true;
    let reachable = false;
    const notifier: Notifier = {
      notify: async () => [
        reachable
          ? { channel: 'pager', ok: true, attempts: 1 }
          : { channel: 'pager', ok: false, attempts: 4, error: 'HTTP 503' },
      ],
    };
    const h = healthHarness(
      {
        services,
        health: { checks: [{ name: 'api-health', kind: 'http', service: 'api', url: `${app.url}/api`, failAfter: 1 }] },
      },
      {},
      { notifier },
    );
    await h.invoke();
    health.api = false;
    h.advance(5 * 60_000);
    await h.invoke();
    h.advance(5 * 60_000);
    await h.invoke();
    // Nobody heard either page: each sweep sent it again.
    expect(h.sent.map((m) => m.title)).toEqual(['api down: api-health', 'api down: api-health']);
    reachable = true;
    h.advance(5 * 60_000);
    await h.invoke();
    h.advance(5 * 60_000);
    await h.invoke();
    expect(h.sent.map((m) => m.title)).toEqual(Array(3).fill('api down: api-health'));
    // The recovery reaches nobody: the incident stays open and the next sweep resolves it again.
    health.api = true;
    reachable = false;
    h.advance(5 * 60_000);
    await h.invoke();
    reachable = true;
    h.advance(5 * 60_000);
    await h.invoke();
    const resolves = h.sent.filter((m) => m.resolve);
    expect(resolves).toHaveLength(2);
    h.advance(5 * 60_000);
    await h.invoke();
    expect(h.sent.filter((m) => m.resolve)).toHaveLength(2);
    health.api = true;
  });

  it('groups the checks of one service into one page and notes a later one without a second page', async () => {
    health.api = false;
    health.worker = false;
    const h = healthHarness({
      services,
      health: {
        checks: [
          { name: 'api-a', kind: 'http', service: 'api', url: `${app.url}/api`, failAfter: 1 },
          { name: 'api-b', kind: 'http', service: 'api', url: `${app.url}/api`, failAfter: 1 },
          { name: 'api-c', kind: 'http', service: 'api', url: `${app.url}/worker`, failAfter: 2, severity: 'warning' },
        ],
      },
    });
    await h.invoke();
    expect(h.sent.map((m) => m.title)).toEqual(['api down: api-a, api-b']);
    await h.invoke();
    expect(h.sent.map((m) => m.title)).toEqual(['api down: api-a, api-b', 'api: also failing now: api-c']);
    expect(h.sent[1]).toMatchObject({ severity: 'warning' });
    expect(h.sent[1]?.dedupKey).toBeUndefined();
    health.api = true;
    await h.invoke();
    expect(h.sent).toHaveLength(2);
    health.worker = true;
    await h.invoke();
    expect(h.sent[2]).toMatchObject({ resolve: true, title: 'api recovered after 1s' });
    expect(h.sent[2]?.text).toContain('api-a, api-b, api-c');
  });

  it('reports flapping once instead of paging every change', async () => {
    const h = healthHarness({
      health: {
        flapping: { transitions: 3, window: '1h' },
        checks: [{ name: 'wobbly', kind: 'http', url: `${app.url}/worker`, failAfter: 1 }],
      },
    });
    const titles: string[] = [];
    for (let i = 0; i < 8; i++) {
      health.worker = i % 2 === 1;
      h.advance(60_000);
      await h.invoke();
    }
    for (const m of h.sent) titles.push(m.title);
    // down, up, down: paged and resolved; the fourth change makes it flapping and nothing is paged after it.
    expect(titles).toEqual([
      'wobbly down: wobbly',
      'wobbly recovered after 1m',
      'wobbly down: wobbly',
      'wobbly is flapping: 4 changes within 1h',
      'wobbly recovered after 1m',
    ]);
    h.advance(2 * 3_600_000);
    health.worker = false;
    await h.invoke();
    expect(h.sent.at(-1)?.title).toBe('wobbly down: wobbly');
  });

  it('keeps checking when the state store is down, and says nobody was told', async () => {
    health.api = false;
    const h = healthHarness({
      health: { checks: [{ name: 'api', kind: 'http', url: `${app.url}/api`, failAfter: 1 }] },
    });
    h.state.get = async () => {
      throw new Error('redis gone');
    };
    const envelope = await h.invoke();
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/state unavailable: nobody notified/);
    expect(h.sent).toEqual([]);
  });

  it('counts the remembered failure of a check not due yet in the outcome and summary, until it runs again', async () => {
    health.api = false;
    health.worker = true;
    const h = healthHarness({
      health: {
        checks: [
          { name: 'often', kind: 'http', url: `${app.url}/worker` },
          { name: 'hourly', kind: 'http', url: `${app.url}/api`, every: '1h', failAfter: 1 },
        ],
      },
    });
    const first = await h.invoke();
    expect(first.outcome).toBe('fail');
    expect(h.sent.map((m) => m.title)).toEqual(['hourly down: hourly']);
    for (let minutes = 5; minutes < 60; minutes += 5) {
      h.advance(5 * 60_000);
      const later = await h.invoke();
      expect(later.outcome).toBe('fail');
      expect(later.summary).toBe(
        '1 check(s): 1 ok, 0 warn, 0 fail; 1 not due; not run now, remembered: hourly fail (down) at 2026-03-02T09:00:00.000Z',
      );
      expect(itemsOf(later).hourly).toMatchObject({
        status: 'fail',
        down: true,
        failures: 1,
        remembered: '2026-03-02T09:00:00.000Z',
        detail: expect.stringMatching(/^not due \(every 1h\); remembered from 2026-03-02T09:00:00.000Z: GET .* → 503/),
      });
    }
    expect(h.sent).toHaveLength(1);
    health.api = true;
    h.advance(5 * 60_000);
    const recovered = await h.invoke();
    expect(recovered.outcome).toBe('ok');
    expect(itemsOf(recovered).hourly).toMatchObject({ status: 'ok', down: false });
    expect(h.sent.map((m) => m.title)).toEqual(['hourly down: hourly', 'hourly recovered after 1h']);
  });

  it('runs a check with `every` only when it is due, and reports it as not due otherwise', async () => {
    health.api = true;
    const h = healthHarness({
      health: {
        checks: [
          { name: 'often', kind: 'http', url: `${app.url}/api` },
          { name: 'hourly', kind: 'http', url: `${app.url}/api`, every: '1h' },
        ],
      },
    });
    await h.invoke();
    h.advance(5 * 60_000);
    const second = itemsOf(await h.invoke());
    expect(second.often?.status).toBe('ok');
    expect(second.hourly).toMatchObject({ status: 'skipped' });
    expect(second.hourly?.detail).toMatch(/^not due \(every 1h\); last run 2026-03-02T09:00:00.000Z: ok$/);
    h.advance(55 * 60_000);
    expect(itemsOf(await h.invoke()).hourly?.status).toBe('ok');
  });
});
