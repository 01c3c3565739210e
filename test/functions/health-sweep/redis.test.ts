import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRedis } from '../../../functions/health-sweep/checks/redis.js';
import { suffix } from '../../shared/adapters/databases/seed.js';
import { healthHarness, itemsOf } from './harness.js';

const URL = 'redis://127.0.0.1:6379';
const p = `opsfn-hs-${suffix()}:`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(URL);
  await redis.xgroup('CREATE', `${p}orders`, 'matching', '$', 'MKSTREAM');
  await redis.xgroup('CREATE', `${p}trades`, 'clearing', '$', 'MKSTREAM');
});

afterAll(async () => {
  const keys = await redis.keys(`${p}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('healthSweep redis checks on a real server', () => {
  it('PINGs and reads memory, and judges memory against maxmemory', async () => {
    const h = healthHarness({ health: { checks: [{ name: 'cache', kind: 'redis', url: URL }] } });
    const item = itemsOf(await h.invoke()).cache;
    expect(item?.status).toBe('ok');
    expect(item?.detail).toMatch(/^Redis \d+\.\d+\.\d+ PONG in \d+ ms; memory \d+ MiB/);
    const reading = { version: '7', pingMs: 1, usedMemory: 85, maxMemory: 100, role: 'master' };
    expect(judgeRedis(reading, { memory: { warn: 0.8, fail: 0.9 } }).status).toBe('warn');
    expect(judgeRedis({ ...reading, usedMemory: 95 }, { memory: { warn: 0.8, fail: 0.9 } }).status).toBe('fail');
    const replica = { ...reading, usedMemory: 1, role: 'slave', link: { up: false } };
    expect(judgeRedis(replica, { memory: { warn: 0.8, fail: 0.9 } }).parts).toContain(
      'replica link to its primary is down',
    );
  });

  it('finds a consumer that stopped reading: pending entries, lag and an idle consumer', async () => {
    await redis.xadd(`${p}orders`, '*', 'id', '1');
    await redis.xadd(`${p}orders`, '*', 'id', '2');
    await redis.xreadgroup('GROUP', 'matching', 'engine-1', 'COUNT', 2, 'STREAMS', `${p}orders`, '>');
    await redis.xadd(`${p}orders`, '*', 'id', '3');
    await delay(120);
    const h = healthHarness({
      health: {
        checks: [
          {
            name: 'backlog',
            kind: 'redis-stream',
            url: URL,
            stream: `${p}orders`,
            group: 'matching',
            pending: { warn: 2, fail: 100 },
          },
          { name: 'alive', kind: 'redis-stream', url: URL, stream: `${p}orders`, group: 'matching', maxIdle: '50ms' },
          { name: 'lagging', kind: 'redis-stream', url: URL, stream: `${p}*`, lag: { warn: 1 } },
        ],
      },
    });
    const items = itemsOf(await h.invoke());
    expect(items.backlog?.status).toBe('warn');
    expect(items.backlog?.detail).toContain(`${p}orders/matching: 2 pending, lag 1`);
    expect(items.alive?.status).toBe('fail');
    expect(items.alive?.detail).toMatch(/consumer engine-1 idle \d+ms with 2 pending/);
    expect(items.lagging?.status).toBe('warn');
    expect(items.lagging?.detail).toMatch(/^2 group\(s\): /);
  });

  it('counts dead letters added since the previous sweep', async () => {
    await redis.xadd(`${p}orders:dlq`, '*', 'id', 'old');
    const h = healthHarness({
      health: {
        checks: [{ name: 'dlq', kind: 'redis-stream', url: URL, stream: `${p}*:dlq`, dlq: { warn: 1, fail: 50 } }],
      },
    });
    expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'ok' });
    await redis.xadd(`${p}orders:dlq`, '*', 'id', 'a');
    await redis.xadd(`${p}trades:dlq`, '*', 'id', 'b');
    const grew = itemsOf(await h.invoke()).dlq;
    expect(grew).toMatchObject({
      status: 'warn',
      detail: '2 new dead letter(s) in 2 stream(s) since the previous sweep',
    });
    // Trimming the stream does not hide new dead letters: growth counts entries added, not the length.
    await redis.xtrim(`${p}orders:dlq`, 'MAXLEN', 0);
    for (let i = 0; i < 50; i++) await redis.xadd(`${p}orders:dlq`, '*', 'id', String(i));
    expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'fail' });
    expect(itemsOf(await h.invoke()).dlq).toMatchObject({
      status: 'ok',
      detail: '0 new dead letter(s) in 2 stream(s) since the previous sweep',
    });
  });

  it('pages a burst of dead letters at once, though the next sweep sees none new, and resolves after it', async () => {
    await redis.xadd(`${p}burst:dlq`, '*', 'id', 'old');
    const h = healthHarness({
      health: {
        // failAfter 2 (the default): a burst is failing in one sweep only, and must page all the same.
        checks: [{ name: 'dlq', kind: 'redis-stream', url: URL, stream: `${p}burst:dlq`, dlq: { warn: 1, fail: 50 } }],
      },
    });
    expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'ok' });
    for (let i = 0; i < 150; i++) await redis.xadd(`${p}burst:dlq`, '*', 'id', String(i));
    h.advance(5 * 60_000);
    const burst = await h.invoke();
    expect(burst.outcome).toBe('fail');
    expect(itemsOf(burst).dlq).toMatchObject({ status: 'fail', failures: 1, down: true, growth: true });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({ severity: 'critical', title: 'dlq down: dlq' });
    expect(h.sent[0]?.text).toContain('150 new dead letter(s) in 1 stream(s) since the previous sweep');
    h.advance(5 * 60_000);
    expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'ok', down: false });
    expect(h.sent.map((m) => m.title)).toEqual(['dlq down: dlq', 'dlq recovered after 5m']);
    expect(h.sent[1]).toMatchObject({ resolve: true, dedupKey: h.sent[0]?.dedupKey });
  });

  it('counts dead letters added while Redis could not be reached, from the last measurement', async () => {
    let reachable = true;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      if (!reachable) return void client.destroy();
      const upstream = connect(6379, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      await redis.xadd(`${p}outage:dlq`, '*', 'id', 'old');
      const h = healthHarness({
        health: {
          checks: [{ name: 'dlq', kind: 'redis-stream', url, stream: `${p}outage:dlq`, dlq: { warn: 1, fail: 50 } }],
        },
      });
      expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'ok' });
      reachable = false;
      for (const s of sockets) s.destroy();
      expect(itemsOf(await h.invoke()).dlq).toMatchObject({ status: 'fail' });
      for (let i = 0; i < 60; i++) await redis.xadd(`${p}outage:dlq`, '*', 'id', String(i));
      reachable = true;
      expect(itemsOf(await h.invoke()).dlq).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^60 new dead letter\(s\) in 1 stream\(s\) since the previous sweep/),
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('fails a pattern that matches nothing, a missing stream, a missing group and an unreachable server', async () => {
    const h = healthHarness({
      health: {
        checks: [
          { name: 'none', kind: 'redis-stream', url: URL, stream: `${p}nothing:*`, pending: { warn: 1 } },
          { name: 'missing', kind: 'redis-stream', url: URL, stream: `${p}missing`, pending: { warn: 1 } },
          {
            name: 'nogroup',
            kind: 'redis-stream',
            url: URL,
            stream: `${p}orders`,
            group: 'ghost',
            pending: { warn: 1 },
          },
          { name: 'down', kind: 'redis', url: 'redis://127.0.0.1:1', timeout: '1s' },
        ],
      },
    });
    const envelope = await h.invoke();
    const items = itemsOf(envelope);
    expect(items.none).toMatchObject({ status: 'fail', detail: `no stream matches ${p}nothing:*` });
    expect(items.missing).toMatchObject({ status: 'fail', detail: `stream ${p}missing does not exist` });
    expect(items.nogroup).toMatchObject({ status: 'fail', detail: `no group ghost on ${p}orders` });
    expect(items.down?.detail).toMatch(/^Redis 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('bounds a server that accepts and never answers, and names a URL it cannot use', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => {
      accepted.push(socket.on('error', () => undefined));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const h = healthHarness({
        health: {
          checks: [
            { name: 'hung', kind: 'redis', url: `redis://127.0.0.1:${port}`, timeout: '300ms' },
            { name: 'options', kind: 'redis', url: 'redis://:secret@127.0.0.1:6379?db=2' },
          ],
        },
      });
      const started = Date.now();
      const items = itemsOf(await h.invoke());
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(items.hung).toMatchObject({ status: 'fail' });
      // The check's own deadline and the connect bound are the same 300 ms; either may speak first.
      expect(items.hung?.detail).toContain('no answer within 300ms');
      expect(items.options?.status).toBe('fail');
      expect(items.options?.detail).toContain('options in the URL are not supported (db)');
      expect(items.options?.detail).not.toContain('secret');
    } finally {
      // A socket nobody reads from never sees the client hang up; close the server's side too.
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
