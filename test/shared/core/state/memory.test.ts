import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { runStateStoreContract } from './contract.js';

runStateStoreContract('MemoryStateStore', async () => new MemoryStateStore());

describe('MemoryStateStore', () => {
  const clocked = () => {
    const clock = { t: 1_000_000 };
    return { clock, store: new MemoryStateStore({ now: () => clock.t }) };
  };

  it('honours TTLs on the injected clock', async () => {
    const { clock, store } = clocked();
    await store.put('rec', { a: 1 }, 1_000);
    const token = await store.lock('lock', 1_000);
    await store.setCooldown('cd', 1_000);
    clock.t += 400;
    expect(await store.cooldownLeft('cd')).toBe(600);
    expect(await store.get('rec')).toEqual({ a: 1 });
    clock.t += 600;
    expect(await store.get('rec')).toBeUndefined();
    expect(await store.cooldownLeft('cd')).toBe(0);
    expect(await store.unlock('lock', token!)).toBe(false);
    expect(await store.keys('')).toEqual([]);
  });

  it('keeps a completed claim only for the TTL given to complete', async () => {
    const { clock, store } = clocked();
    await store.claim('k', 100);
    await store.complete('k', 'ok', 5_000);
    clock.t += 4_999;
    expect(await store.claim('k', 100)).toEqual({ claimed: false, state: 'done', outcome: 'ok' });
    clock.t += 1;
    expect(await store.claim('k', 100)).toEqual({ claimed: true });
  });

  it('uses the injected token generator for locks', async () => {
    const store = new MemoryStateStore({ token: () => 'owner-1' });
    expect(await store.lock('l', 1_000)).toBe('owner-1');
  });

  it('sweeps expired keys nobody reads again', async () => {
    const { clock, store } = clocked();
    for (let i = 0; i < 300; i++) await store.put(`old:${i}`, i, 10);
    clock.t += 20;
    for (let i = 0; i < 300; i++) await store.put(`new:${i}`, i);
    expect(store.size).toBeLessThan(600);
    expect((await store.keys('')).length).toBe(300);
  });

  it('refuses every call once closed', async () => {
    const store = new MemoryStateStore();
    await store.close();
    await expect(store.get('k')).rejects.toBeInstanceOf(DependencyError);
    await expect(store.ping()).rejects.toThrow('closed');
  });
});
