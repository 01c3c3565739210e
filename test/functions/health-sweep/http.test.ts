import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthHarness, httpServer, itemsOf, json } from './harness.js';

let app: Awaited<ReturnType<typeof httpServer>>;
const gate = { hang: false, apiDown: false };

beforeAll(async () => {
  app = await httpServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/healthz') return void res.end('ok');
    if (path === '/slow') return void setTimeout(() => res.end('ok'), 300);
    if (path === '/500') {
      res.writeHead(500);
      return void res.end('boom');
    }
    if (path === '/hung') return;
    if (path === '/gate') return gate.hang ? undefined : void res.end('ok');
    if (path === '/api') {
      res.writeHead(gate.apiDown ? 503 : 200);
      return void res.end(gate.apiDown ? 'down' : 'ok');
    }
    if (path === '/json') return json(res, 200, { status: 'UP', build: { version: '1.2.3' } });
    // Spring Boot actuator: 503 with components.
    if (path === '/actuator/health/readiness') {
      return json(res, 503, { status: 'DOWN', components: { db: { status: 'UP' }, redis: { status: 'DOWN' } } });
    }
    // MicroProfile Health: checks[].
    if (path === '/mp/health/ready') {
      return json(res, 503, {
        status: 'DOWN',
        checks: [
          { name: 'database', status: 'UP' },
          { name: 'kafka', status: 'DOWN', data: { broker: 'kafka-1:9092' } },
        ],
      });
    }
    // The exchange's own shape: degraded with a dependency map, one entry the service's own consumer loop.
    if (path === '/ready') {
      return json(res, 503, { status: 'degraded', dependencies: { postgres: 'ok', eventStreamConsumer: 'down' } });
    }
    if (path === '/broken/ready') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html>oops</html>');
    }
    res.writeHead(404);
    res.end();
  });
});

afterAll(() => app.stop());

describe('healthSweep http checks against real servers', () => {
  it('judges healthy, slow, 500, readiness shapes, hung, malformed, DNS and bad input each on its own', async () => {
    const h = healthHarness({
      health: {
        checks: [
          { name: 'healthy', kind: 'http', url: `${app.url}/healthz`, expect: { body: '^ok$' } },
          { name: 'slow', kind: 'http', url: `${app.url}/slow`, expect: { maxLatency: '100ms' } },
          { name: 'error', kind: 'http', url: `${app.url}/500` },
          {
            name: 'json',
            kind: 'http',
            url: `${app.url}/json`,
            expect: { json: { status: 'UP', 'build.version': '1.2.3' } },
          },
          { name: 'spring', kind: 'http', url: `${app.url}/actuator/health/readiness` },
          { name: 'microprofile', kind: 'http', url: `${app.url}/mp/health/ready` },
          { name: 'exchange', kind: 'http', url: `${app.url}/ready`, internal: ['eventStreamConsumer'] },
          { name: 'hung', kind: 'http', url: `${app.url}/hung`, timeout: '300ms' },
          { name: 'malformed', kind: 'http', url: `${app.url}/broken/ready` },
          { name: 'dns', kind: 'http', url: 'http://opsfn-no-such-host.invalid/health' },
          { name: 'smtp', kind: 'smtp', host: 'mail' },
          { name: 'typo', kind: 'http', url: 'not a url' },
        ],
      },
    });
    const envelope = await h.invoke();
    const items = itemsOf(envelope);
    expect(envelope.outcome).toBe('fail');
    expect(Object.keys(items)).toHaveLength(12);
    expect(items.healthy).toMatchObject({ status: 'ok', kind: 'http' });
    expect(items.healthy?.detail).toMatch(/→ 200 in \d+ ms$/);
    expect(items.slow).toMatchObject({ status: 'warn' });
    expect(items.slow?.detail).toMatch(/slow: over 100 ms/);
    expect(items.error).toMatchObject({ status: 'fail' });
    expect(items.error?.detail).toMatch(/→ 500 .*expected 2xx/);
    expect(items.json).toMatchObject({ status: 'ok' });
    expect(items.spring?.status).toBe('fail');
    expect(items.spring?.detail).toMatch(/dependencies: db up, redis down/);
    expect(items.microprofile?.detail).toMatch(/dependencies: database up, kafka down/);
    expect(items.exchange?.detail).toMatch(/dependencies: postgres ok, eventStreamConsumer down/);
    expect(items.hung).toMatchObject({ status: 'fail', detail: 'no answer within 300ms' });
    expect(items.malformed).toMatchObject({ status: 'fail' });
    expect(items.malformed?.detail).toMatch(/malformed readiness body: not JSON/);
    expect(items.dns?.detail).toMatch(/DNS: opsfn-no-such-host\.invalid does not resolve/);
    expect(items.smtp).toMatchObject({ status: 'fail', kind: 'smtp' });
    expect(items.smtp?.detail).toMatch(/unknown check kind "smtp" \(expected one of http, postgres/);
    expect(items.typo?.detail).toMatch(/invalid check: url: expected an http/);
    // Invalid checks leave an audit record naming what is wrong.
    const rejected = h.audits().filter((a) => a.decision === 'rejected');
    expect(rejected.map((a) => a.target).sort()).toEqual(['smtp', 'typo']);
  });

  it('tells a dependency that is down from a part of the service itself', async () => {
    const h = healthHarness({
      health: {
        checks: [
          { name: 'spring', kind: 'http', url: `${app.url}/actuator/health/readiness` },
          { name: 'exchange', kind: 'http', url: `${app.url}/ready`, internal: ['eventStreamConsumer'] },
        ],
      },
    });
    const envelope = await h.invoke();
    const items = itemsOf(envelope);
    expect(items.spring?.dependencies).toEqual([
      { name: 'db', status: 'UP', state: 'up' },
      { name: 'redis', status: 'DOWN', state: 'down' },
    ]);
    expect(items.exchange?.dependencies?.find((d) => d.name === 'eventStreamConsumer')?.state).toBe('down');
  });

  it('sends secret headers without echoing them in the envelope', async () => {
    const seen: (string | undefined)[] = [];
    const server = await httpServer((req, res) => {
      seen.push(req.headers['x-token'] as string | undefined);
      res.end('ok');
    });
    try {
      process.env.OPSFN_TEST_HEALTH_TOKEN = 's3cret';
      const h = healthHarness({
        health: {
          checks: [
            {
              name: 'private',
              kind: 'http',
              url: `${server.url}/`,
              headers: { 'X-Token': { env: 'OPSFN_TEST_HEALTH_TOKEN' } },
            },
          ],
        },
      });
      const envelope = await h.invoke();
      expect(envelope.outcome).toBe('ok');
      expect(seen).toEqual(['s3cret']);
      expect(JSON.stringify(envelope)).not.toContain('s3cret');
    } finally {
      delete process.env.OPSFN_TEST_HEALTH_TOKEN;
      await server.stop();
    }
  });

  it('fails a check cut short by the sweep budget, does not run the ones still queued, and still answers', async () => {
    const h = healthHarness({
      health: {
        budget: '200ms',
        concurrency: 1,
        checks: [
          { name: 'hung-1', kind: 'http', url: `${app.url}/hung`, timeout: '5s' },
          { name: 'hung-2', kind: 'http', url: `${app.url}/hung`, timeout: '5s' },
        ],
      },
    });
    const started = Date.now();
    const envelope = await h.invoke();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(itemsOf(envelope)).toMatchObject({
      'hung-1': { status: 'fail', detail: 'the sweep ran out of time before an answer' },
      'hung-2': { status: 'skipped', detail: 'not run: the sweep ran out of time first; last run never: -' },
    });
  });

  it('ends the sweep at its budget even when a garbage collection runs during it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const h = healthHarness({
      health: { budget: '300ms', checks: [{ name: 'hung', kind: 'http', url: `${app.url}/hung`, timeout: '5s' }] },
    });
    const started = Date.now();
    const pending = h.invoke();
    await delay(50);
    gc();
    const envelope = await pending;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(itemsOf(envelope).hung).toMatchObject({
      status: 'fail',
      detail: 'the sweep ran out of time before an answer',
    });
  });

  it('keeps the memory of checks the budget left queued, pages nobody for them and says so once', async () => {
    gate.hang = false;
    gate.apiDown = true;
    const h = healthHarness({
      health: {
        budget: '300ms',
        concurrency: 1,
        checks: [
          { name: 'gate', kind: 'http', url: `${app.url}/gate`, timeout: '5s', failAfter: 5 },
          { name: 'api-health', kind: 'http', url: `${app.url}/api`, failAfter: 2 },
        ],
      },
    });
    try {
      expect(itemsOf(await h.invoke())['api-health']).toMatchObject({ status: 'fail', failures: 1 });
      // The gate hangs: it takes the whole budget, and api-health, queued behind it, is never probed.
      gate.hang = true;
      h.advance(5 * 60_000);
      const starved = await h.invoke();
      expect(itemsOf(starved)['api-health']).toMatchObject({
        status: 'fail',
        failures: 1,
        down: false,
        remembered: '2026-03-02T09:00:00.000Z',
        detail: expect.stringMatching(
          /^not run: the sweep ran out of time first; remembered from 2026-03-02T09:00:00.000Z: GET .* → 503/,
        ),
      });
      expect(starved.outcome).toBe('fail');
      expect(starved.summary).toContain(
        "out of time: the sweep's 300ms budget ran out before 1 check(s) ran (api-health)",
      );
      expect(starved.outOfTime).toEqual({ budget: '300ms', notRun: ['api-health'] });
      expect(h.sent).toEqual([]);
      // Left out last time, it goes first now: probed, it passes, and nobody was paged for it.
      gate.apiDown = false;
      h.advance(5 * 60_000);
      const next = itemsOf(await h.invoke());
      expect(next['api-health']).toMatchObject({ status: 'ok', failures: 0 });
      expect(next.gate).toMatchObject({ status: 'fail', detail: 'the sweep ran out of time before an answer' });
      expect(h.sent).toEqual([]);
    } finally {
      gate.hang = false;
      gate.apiDown = false;
    }
  });
});
