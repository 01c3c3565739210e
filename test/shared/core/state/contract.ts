import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError, DependencyError, TooLargeError } from '../../../../shared/core/errors/ops-error.js';
import type { StateStore } from '../../../../shared/core/state/state-store.js';

/**
 * The one behaviour every StateStore adapter must show. TTL tests wait on the real clock, so the
 * TTLs are short; the memory adapter runs it with its default clock.
 */
export function runStateStoreContract(name: string, make: () => Promise<StateStore>): void {
  describe(`${name} (StateStore contract)`, () => {
    let store: StateStore;
    let ns: string;
    const key = (k: string) => `${ns}${k}`;

    beforeEach(async () => {
      store = await make();
      ns = `t-${randomUUID().slice(0, 8)}:`;
    });
    afterEach(async () => {
      for (const k of await store.keys(ns)) await store.delete(k);
      await store.close();
    });

    describe('claim', () => {
      it('lets the first claimer win and shows others running, then done with the outcome', async () => {
        expect(await store.claim(key('c'), 10_000)).toEqual({ claimed: true });
        expect(await store.claim(key('c'), 10_000)).toEqual({ claimed: false, state: 'running' });
        await store.complete(key('c'), { outcome: 'ok', actions: 2 }, 10_000);
        expect(await store.claim(key('c'), 10_000)).toEqual({
          claimed: false,
          state: 'done',
          outcome: { outcome: 'ok', actions: 2 },
        });
      });

      it('gives exactly one winner among 100 concurrent claims', async () => {
        const claims = await Promise.all(Array.from({ length: 100 }, () => store.claim(key('race'), 10_000)));
        expect(claims.filter((c) => c.claimed)).toHaveLength(1);
        expect(claims.filter((c) => !c.claimed && c.state === 'running')).toHaveLength(99);
      });

      it('lets a redelivery run again after unclaim', async () => {
        await store.claim(key('u'), 10_000);
        await store.unclaim(key('u'));
        expect(await store.claim(key('u'), 10_000)).toEqual({ claimed: true });
      });

      it('frees the claim once its TTL passes', async () => {
        await store.claim(key('ttl'), 50);
        await sleep(120);
        expect(await store.claim(key('ttl'), 10_000)).toEqual({ claimed: true });
      });

      it('rejects a non-positive TTL without claiming', async () => {
        await expect(store.claim(key('bad'), 0)).rejects.toBeInstanceOf(BadInputError);
        await expect(store.claim(key('bad'), Number.NaN)).rejects.toBeInstanceOf(BadInputError);
        expect(await store.claim(key('bad'), 10_000)).toEqual({ claimed: true });
      });
    });

    describe('lock', () => {
      it('excludes a second owner until the first unlocks', async () => {
        const token = await store.lock(key('l'), 10_000);
        expect(token).toEqual(expect.any(String));
        expect(await store.lock(key('l'), 10_000)).toBeUndefined();
        expect(await store.unlock(key('l'), token!)).toBe(true);
        expect(await store.lock(key('l'), 10_000)).toEqual(expect.any(String));
      });

      it('refuses to unlock with a wrong token and keeps the lock', async () => {
        const token = await store.lock(key('w'), 10_000);
        expect(await store.unlock(key('w'), 'not-the-owner')).toBe(false);
        expect(await store.lock(key('w'), 10_000)).toBeUndefined();
        expect(await store.unlock(key('w'), token!)).toBe(true);
        expect(await store.unlock(key('w'), token!)).toBe(false);
      });

      it('expires a lock held by a crashed run after its TTL', async () => {
        const stale = await store.lock(key('e'), 50);
        await sleep(120);
        const fresh = await store.lock(key('e'), 10_000);
        expect(fresh).toEqual(expect.any(String));
        expect(fresh).not.toBe(stale);
        expect(await store.unlock(key('e'), stale!)).toBe(false);
      });

      it('grants one owner among concurrent attempts', async () => {
        const tokens = await Promise.all(Array.from({ length: 50 }, () => store.lock(key('many'), 10_000)));
        expect(tokens.filter((t) => t !== undefined)).toHaveLength(1);
      });
    });

    describe('cooldown', () => {
      it('reports the time left and none after expiry', async () => {
        expect(await store.cooldownLeft(key('cd'))).toBe(0);
        await store.setCooldown(key('cd'), 60_000);
        const left = await store.cooldownLeft(key('cd'));
        expect(left).toBeGreaterThan(55_000);
        expect(left).toBeLessThanOrEqual(60_000);
        await store.setCooldown(key('short'), 50);
        await sleep(120);
        expect(await store.cooldownLeft(key('short'))).toBe(0);
      });
    });

    describe('sliding window', () => {
      it('counts hits inside the window and drops old ones', async () => {
        const t0 = 1_700_000_000_000;
        expect(await store.hit(key('w'), 1_000, t0)).toBe(1);
        expect(await store.hit(key('w'), 1_000, t0)).toBe(2);
        expect(await store.hit(key('w'), 1_000, t0 + 500)).toBe(3);
        expect(await store.count(key('w'), 1_000, t0 + 999)).toBe(3);
        expect(await store.count(key('w'), 1_000, t0 + 1_000)).toBe(1);
        expect(await store.hit(key('w'), 1_000, t0 + 1_200)).toBe(2);
        expect(await store.count(key('w'), 1_000, t0 + 5_000)).toBe(0);
      });

      it('counts every one of many concurrent hits', async () => {
        const t0 = 1_700_000_000_000;
        const counts = await Promise.all(Array.from({ length: 40 }, () => store.hit(key('c'), 60_000, t0)));
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      });

      it('forgets the whole window once it expires', async () => {
        await store.hit(key('x'), 50, Date.now());
        await sleep(120);
        expect(await store.keys(key('x'))).toEqual([]);
      });
    });

    describe('spend', () => {
      it('spends a budget of max per window, refunds one, and frees what left the window', async () => {
        const t0 = 1_700_000_000_000;
        const a = await store.spend(key('b'), 1_000, t0, 2);
        expect(a).toBeTypeOf('string');
        expect(await store.spend(key('b'), 1_000, t0 + 100, 2)).toBeTypeOf('string');
        expect(await store.spend(key('b'), 1_000, t0 + 200, 2)).toBeUndefined();
        expect(await store.count(key('b'), 1_000, t0 + 200)).toBe(2);
        await store.refund(key('b'), a as string);
        expect(await store.count(key('b'), 1_000, t0 + 200)).toBe(1);
        expect(await store.spend(key('b'), 1_000, t0 + 300, 2)).toBeTypeOf('string');
        expect(await store.spend(key('b'), 1_000, t0 + 1_150, 2)).toBeTypeOf('string');
        expect(await store.spend(key('b'), 1_000, t0 + 0, 0)).toBeUndefined();
      });

      it('lets exactly max of many concurrent spends through', async () => {
        const t0 = 1_700_000_000_000;
        const spent = await Promise.all(Array.from({ length: 40 }, () => store.spend(key('c'), 60_000, t0, 3)));
        expect(spent.filter((id) => id !== undefined)).toHaveLength(3);
        expect(await store.count(key('c'), 60_000, t0)).toBe(3);
      });

      it('refuses a budget that is not a whole number', async () => {
        await expect(store.spend(key('d'), 1_000, 0, 1.5)).rejects.toBeInstanceOf(BadInputError);
      });
    });

    describe('sets', () => {
      it('counts each member once and tells which add was new', async () => {
        expect(await store.addMember(key('s'), 'shard-0', 10_000)).toEqual({ added: true, size: 1 });
        expect(await store.addMember(key('s'), 'shard-1', 10_000)).toEqual({ added: true, size: 2 });
        expect(await store.addMember(key('s'), 'shard-0', 10_000)).toEqual({ added: false, size: 2 });
      });

      it('lets exactly one of many concurrent writers complete the set, however often each repeats', async () => {
        const adds = await Promise.all(
          Array.from({ length: 60 }, (_, i) => store.addMember(key('race'), `shard-${i % 20}`, 10_000)),
        );
        expect(adds.filter((a) => a.added)).toHaveLength(20);
        expect(adds.filter((a) => a.added && a.size === 20)).toHaveLength(1);
        expect(Math.max(...adds.map((a) => a.size))).toBe(20);
      });

      it('forgets the set once its TTL passes, and refuses a key that holds another kind of value', async () => {
        await store.addMember(key('gone'), 'a', 50);
        await sleep(120);
        expect(await store.addMember(key('gone'), 'a', 10_000)).toEqual({ added: true, size: 1 });
        await store.put(key('rec'), 1);
        await expect(store.addMember(key('rec'), 'a', 10_000)).rejects.toBeInstanceOf(DependencyError);
        await expect(store.get(key('gone'))).rejects.toBeInstanceOf(DependencyError);
      });
    });

    describe('records', () => {
      it('reads back what was put and nothing after delete', async () => {
        expect(await store.get(key('r'))).toBeUndefined();
        await store.put(key('r'), { plan: 'q3', steps: [1, 2], note: '恢复演练' });
        expect(await store.get(key('r'))).toEqual({ plan: 'q3', steps: [1, 2], note: '恢复演练' });
        await store.delete(key('r'));
        expect(await store.get(key('r'))).toBeUndefined();
      });

      it('stores a copy, not a reference', async () => {
        const value = { n: 1 };
        await store.put(key('copy'), value);
        value.n = 2;
        expect(await store.get(key('copy'))).toEqual({ n: 1 });
      });

      it('expires a record after its TTL', async () => {
        await store.put(key('t'), 'soon gone', 50);
        expect(await store.get(key('t'))).toBe('soon gone');
        await sleep(120);
        expect(await store.get(key('t'))).toBeUndefined();
      });

      it('refuses values JSON cannot hold and records over the size limit', async () => {
        await expect(store.put(key('u'), undefined)).rejects.toBeInstanceOf(BadInputError);
        await expect(store.put(key('b'), 10n)).rejects.toBeInstanceOf(BadInputError);
        await expect(store.put(key('big'), 'x'.repeat(5 * 1024 * 1024))).rejects.toBeInstanceOf(TooLargeError);
        expect(await store.keys(ns)).toEqual([]);
      });

      it('rejects an empty key', async () => {
        await expect(store.get('')).rejects.toBeInstanceOf(BadInputError);
      });

      it('reports a key used as a different kind of value as a store error', async () => {
        const token = await store.lock(key('lk'), 10_000);
        expect(token).toBeDefined();
        await expect(store.get(key('lk'))).rejects.toBeInstanceOf(DependencyError);
        await expect(store.claim(key('lk'), 10_000)).rejects.toBeInstanceOf(DependencyError);
      });
    });

    describe('bounded lists', () => {
      it('keeps the newest entries up to the bound, newest first', async () => {
        expect(await store.list(key('h'))).toEqual([]);
        for (const n of [1, 2, 3, 4]) await store.push(key('h'), { n }, 3);
        expect(await store.list(key('h'))).toEqual([{ n: 4 }, { n: 3 }, { n: 2 }]);
        expect(await store.list(key('h'), 2)).toEqual([{ n: 4 }, { n: 3 }]);
      });

      it('loses no entry to 50 concurrent pushes within the bound', async () => {
        await Promise.all(Array.from({ length: 50 }, (_, n) => store.push(key('many'), n, 100)));
        const held = await store.list<number>(key('many'));
        expect(held.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n));
      });

      it('expires the list after the TTL of its last push', async () => {
        await store.push(key('ttl'), 'a', 5, 60);
        expect(await store.list(key('ttl'))).toEqual(['a']);
        await sleep(120);
        expect(await store.list(key('ttl'))).toEqual([]);
      });

      it('refuses a bound outside 1 to 10000 and a list read as a record', async () => {
        await expect(store.push(key('bad'), 1, 0)).rejects.toBeInstanceOf(BadInputError);
        await expect(store.push(key('bad'), 1, 1.5)).rejects.toBeInstanceOf(BadInputError);
        await store.push(key('l'), 1, 2);
        await expect(store.get(key('l'))).rejects.toBeInstanceOf(DependencyError);
        await store.put(key('rec'), 1);
        await expect(store.list(key('rec'))).rejects.toBeInstanceOf(DependencyError);
      });
    });

    describe('keys', () => {
      it('lists live keys by prefix, sorted, literally matching glob characters', async () => {
        await store.put(key('a:1'), 1);
        await store.put(key('a:2'), 2);
        await store.put(key('b:1'), 3);
        await store.put(key('a*'), 4);
        await store.put(key('gone'), 5, 50);
        await sleep(120);
        expect(await store.keys(key('a:'))).toEqual([key('a:1'), key('a:2')]);
        expect(await store.keys(key('a*'))).toEqual([key('a*')]);
        expect(await store.keys(ns)).toEqual([key('a*'), key('a:1'), key('a:2'), key('b:1')]);
      });
    });

    it('answers ping while reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
