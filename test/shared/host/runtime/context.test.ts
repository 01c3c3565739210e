import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createContext } from '../../../../shared/host/runtime/context.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { testEstate } from '../../../support/estate.js';

const NOW = new Date('2026-11-20T12:00:00Z');

describe('ctx.cooldownLeft', () => {
  it('tells the time left on the cooldown an action started, per action and target', async () => {
    const state = new MemoryStateStore({ now: () => NOW.getTime() });
    const services = createServices({ config: testEstate(), state, now: () => NOW, logSink: () => {} });
    const make = () => createContext(services, 'autoscale', { kind: 'manual', id: 'm1', payload: {} }).ctx;
    expect(await make().cooldownLeft('scale-up', 'web')).toBe(0);
    await make().act('scale-up', 'web', async () => 'scaled', { cooldownMs: 600_000 });
    const ctx = make();
    expect(await ctx.cooldownLeft('scale-up', 'web')).toBe(600_000);
    expect(await ctx.cooldownLeft('scale-up', 'api')).toBe(0);
    expect(await ctx.cooldownLeft('scale-down', 'web')).toBe(0);
    expect(await ctx.act('scale-up', 'web', async () => 'again')).toMatchObject({ status: 'refused', by: 'cooldown' });
  });
});
