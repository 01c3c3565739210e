import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { runStateStoreContract } from './contract.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `opsfn-test:state:${randomUUID()}:`;

async function deleteRunKeys(): Promise<void> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

afterAll(deleteRunKeys);

runStateStoreContract('RedisStateStore', () => RedisStateStore.open({ url: REDIS_URL, prefix }));

describe('RedisStateStore', () => {
  it('prefixes every key it writes', async () => {
    const store = await RedisStateStore.open({ url: REDIS_URL, prefix });
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await store.put('visible', { ok: true });
      expect(await admin.get(`${prefix}visible`)).toBe('{"ok":true}');
      expect(await store.keys('visible')).toEqual(['visible']);
    } finally {
      await store.delete('visible');
      admin.disconnect();
      await store.close();
    }
  });

  it('stores claims as running, then done with the outcome', async () => {
    const store = await RedisStateStore.open({ url: REDIS_URL, prefix });
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await store.claim('wire', 10_000);
      expect(JSON.parse((await admin.get(`${prefix}wire`))!)).toEqual({ state: 'running' });
      await store.complete('wire', { n: 1 }, 20_000);
      expect(JSON.parse((await admin.get(`${prefix}wire`))!)).toEqual({ state: 'done', outcome: { n: 1 } });
      expect(await admin.pttl(`${prefix}wire`)).toBeGreaterThan(10_000);
    } finally {
      await store.delete('wire');
      admin.disconnect();
      await store.close();
    }
  });

  it('reconnects on the next call after the server drops the connection', async () => {
    const name = `opsfn-test-${randomUUID()}`;
    const store = await RedisStateStore.open({ url: REDIS_URL, prefix, connectionName: name });
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await store.put('rc', 1);
      const clients = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal'));
      const line = clients.split('\n').find((l) => l.includes(` name=${name} `));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      expect(await admin.call('CLIENT', 'KILL', 'ID', id!)).toBe(1);
      await sleep(100);
      expect(await store.get('rc')).toBe(1);
    } finally {
      await store.delete('rc');
      admin.disconnect();
      await store.close();
    }
  });

  it('rejects timeouts that are not positive', async () => {
    await expect(RedisStateStore.open({ url: REDIS_URL, prefix, connectTimeoutMs: 0 })).rejects.toThrow(
      'expected connectTimeoutMs to be a positive number of milliseconds',
    );
  });

  it('refuses calls once closed', async () => {
    const store = await RedisStateStore.open({ url: REDIS_URL, prefix });
    await store.ping();
    await store.close();
    await expect(store.get('k')).rejects.toThrow('closed');
  });
});
