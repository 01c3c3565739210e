import { describe, expect, it } from 'vitest';
import type { EstateInput } from '../../../../functions/estate.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { GuardKeys } from '../../../../shared/core/guard/keys.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import type { StateStore } from '../../../../shared/core/state/state-store.js';
import { createContext } from '../../../../shared/host/runtime/context.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';

const NOW = new Date('2026-11-20T12:00:00Z');

function setup(
  options: { estate?: Partial<EstateInput>; dryRun?: boolean; stateAvailable?: boolean; state?: StateStore } = {},
) {
  const state = options.state ?? new MemoryStateStore({ now: () => NOW.getTime() });
  const logs = captureLogs();
  const notifier = recordingNotifier();
  const make = () =>
    createContext(
      createServices({ config: testEstate(options.estate), state, notifier, now: () => NOW, logSink: logs.sink }),
      'mutate',
      { kind: 'manual', id: 'm1', payload: {} },
      { stateAvailable: options.stateAvailable ?? true, dryRun: options.dryRun ?? false },
    );
  return { state, logs, notifier, make };
}

describe('ctx.act', () => {
  it('runs the mutation and records intent before and outcome after', async () => {
    const { make, logs } = setup();
    const { ctx, actions } = make();
    let calls = 0;
    const outcome = await ctx.act('scale', 'web', async () => ++calls, { evidence: { p99: 3.2 } });
    expect(outcome).toMatchObject({ status: 'done', value: 1 });
    expect(calls).toBe(1);
    expect(actions).toEqual([expect.objectContaining({ action: 'scale', target: 'web', status: 'done' })]);
    const decisions = logs.audits().map((a) => a.decision);
    expect(decisions).toEqual(['intent', 'done']);
    expect(logs.audits()[0]).toMatchObject({ evidence: { p99: 3.2 }, runId: ctx.runId, function: 'mutate' });
  });

  it('calls nothing in dry-run and records what it would do', async () => {
    const { make, logs, state } = setup({ dryRun: true });
    const { ctx, actions } = make();
    let calls = 0;
    const outcome = await ctx.act('rollback', 'web', async () => ++calls, { change: { to: 'web-00006' } });
    expect(outcome).toEqual({ status: 'dry-run' });
    expect(calls).toBe(0);
    expect(actions[0]).toMatchObject({ status: 'dry-run', change: { to: 'web-00006' } });
    expect(logs.audits()[0]).toMatchObject({ decision: 'dry-run', dryRun: true });
    expect(await state.keys('rate:')).toEqual([]);
  });

  it('treats mode dry-run in the config as dry-run for every run', async () => {
    const { make } = setup({ estate: { mode: 'dry-run' } });
    const { ctx } = make();
    expect(ctx.dryRun).toBe(true);
    expect(await ctx.act('rollback', 'web', async () => 1)).toEqual({ status: 'dry-run' });
  });

  it('refuses when paused by the kill switch, before dry-run', async () => {
    const { make, state } = setup({ dryRun: true });
    await state.put(GuardKeys.paused, { reason: 'incident review', at: NOW.toISOString() });
    const outcome = await make().ctx.act('rollback', 'web', async () => 1);
    expect(outcome).toMatchObject({ status: 'refused', by: 'kill-switch' });
    expect(outcome.status === 'refused' && outcome.reason).toContain('incident review');
  });

  it('refuses when this function alone is paused', async () => {
    const { make, state } = setup();
    await state.put(GuardKeys.pausedFunction('mutate'), { reason: 'x', at: NOW.toISOString() });
    expect(await make().ctx.act('a', 't', async () => 1)).toMatchObject({ status: 'refused', by: 'kill-switch' });
  });

  it.each([
    [{ start: '2026-11-20T00:00:00Z', end: '2026-11-21T00:00:00Z', reason: 'black friday' }, true],
    [{ start: '2026-11-21T00:00:00Z', end: '2026-11-22T00:00:00Z', reason: 'later' }, false],
    [{ cron: '0 10 * * *', duration: '4h', reason: 'daily release freeze' }, true],
    [{ cron: '0 10 * * *', duration: '1h', reason: 'short freeze' }, false],
  ])('applies freeze window %o → frozen %s', async (window, frozen) => {
    const { make } = setup({ estate: { guard: { freezeWindows: [window] } } });
    const outcome = await make().ctx.act('a', 't', async () => 1);
    expect(outcome.status === 'refused' && outcome.by === 'freeze').toBe(frozen);
  });

  it('refuses a second run while the lock is held', async () => {
    const { make } = setup();
    let release!: () => void;
    const slow = make().ctx.act('rollback', 'web', () => new Promise<number>((r) => (release = () => r(1))));
    await new Promise((r) => setTimeout(r, 10));
    const second = await make().ctx.act('rollback', 'web', async () => 2);
    expect(second).toMatchObject({ status: 'refused', by: 'lock' });
    release();
    expect(await slow).toMatchObject({ status: 'done', value: 1 });
    expect(await make().ctx.act('rollback', 'web', async () => 3)).toMatchObject({ status: 'done', value: 3 });
  });

  it('refuses during the cooldown set by a previous success', async () => {
    const { make } = setup();
    await make().ctx.act('scale', 'web', async () => 1, { cooldownMs: 600_000 });
    expect(await make().ctx.act('scale', 'web', async () => 2)).toMatchObject({ status: 'refused', by: 'cooldown' });
    expect(await make().ctx.act('scale', 'api', async () => 3)).toMatchObject({ status: 'done' });
  });

  it('rate-limits per target and globally', async () => {
    const { make } = setup({
      estate: { guard: { rateLimit: { perTarget: { max: 2, window: '1h' }, global: { max: 3, window: '1h' } } } },
    });
    for (let i = 0; i < 2; i++) expect((await make().ctx.act('a', 'web', async () => i)).status).toBe('done');
    expect(await make().ctx.act('a', 'web', async () => 9)).toMatchObject({ status: 'refused', by: 'rate-limit' });
    expect((await make().ctx.act('a', 'api', async () => 1)).status).toBe('done');
    const global = await make().ctx.act('a', 'db', async () => 1);
    expect(global).toMatchObject({ status: 'refused', by: 'rate-limit' });
    expect(global.status === 'refused' && global.reason).toContain('across all targets');
  });

  it('trips the breaker after N actions, pages once, and refuses every further action', async () => {
    const { make, notifier, state } = setup({
      estate: {
        guard: {
          breaker: { max: 2, window: '1h', open: '1h' },
          rateLimit: { perTarget: { max: 100, window: '1h' }, global: { max: 100, window: '1h' } },
        },
      },
    });
    expect((await make().ctx.act('a', 's1', async () => 1)).status).toBe('done');
    expect((await make().ctx.act('a', 's2', async () => 1)).status).toBe('done');
    let calls = 0;
    expect(await make().ctx.act('a', 's3', async () => ++calls)).toMatchObject({ status: 'refused', by: 'breaker' });
    expect(await make().ctx.act('a', 's4', async () => ++calls)).toMatchObject({ status: 'refused', by: 'breaker' });
    expect(calls).toBe(0);
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]).toMatchObject({ severity: 'critical' });
    expect(await state.get(GuardKeys.breakerOpen)).toBeDefined();
  });

  it('gives back the budget of an action a later guardrail could not check, and audits the attempt as failed', async () => {
    const store = new MemoryStateStore({ now: () => NOW.getTime() });
    const get = store.get.bind(store);
    let blips = 3;
    // The breaker's read times out three times (a Redis blip); the rate limits before it had already spent.
    store.get = (async (key: string) => {
      if (key.endsWith(GuardKeys.breakerOpen) && blips-- > 0)
        throw new DependencyError('state store unavailable: get timed out');
      return get(key);
    }) as typeof store.get;
    const { make, logs } = setup({ state: store });
    for (let i = 0; i < 3; i++) {
      const { ctx, actions } = make();
      await expect(ctx.act('restart', 'web', async () => 1)).rejects.toBeInstanceOf(DependencyError);
      expect(actions).toEqual([expect.objectContaining({ status: 'failed' })]);
    }
    expect(logs.audits().map((a) => a.decision)).toEqual(['failed', 'failed', 'failed']);
    // Nothing was spent: the per-target budget (3 an hour) still lets the next one through.
    const { ctx } = make();
    await expect(ctx.act('restart', 'web', async () => 1)).resolves.toMatchObject({ status: 'done' });
  });

  it('fails closed when the state store is unavailable', async () => {
    const { make, logs } = setup({ stateAvailable: false });
    let calls = 0;
    expect(await make().ctx.act('rollback', 'web', async () => ++calls)).toMatchObject({
      status: 'refused',
      by: 'state-unavailable',
    });
    expect(calls).toBe(0);
    expect(logs.audits()[0]).toMatchObject({ decision: 'refused' });
  });

  it('audits a mutation that found nothing to change as unchanged and starts no cooldown', async () => {
    const { make, logs } = setup();
    const { ctx, actions } = make();
    const outcome = await ctx.act('scale', 'web', async () => ({ applied: false, reason: 'already at 5' }), {
      cooldownMs: 600_000,
      unchanged: (r) => (r.applied ? undefined : r.reason),
    });
    expect(outcome).toMatchObject({ status: 'done', value: { applied: false } });
    expect(actions[0]).toMatchObject({ status: 'unchanged', reason: 'already at 5' });
    expect(logs.audits().map((a) => a.decision)).toEqual(['intent', 'skipped']);
    expect(logs.audits()[1]).toMatchObject({ reason: 'no change: already at 5', outcome: 'unchanged' });
    expect((await make().ctx.act('scale', 'web', async () => 1)).status).toBe('done');
  });

  it('keeps a change that happened done when its cooldown cannot be recorded, saying so in the audit', async () => {
    const store = new MemoryStateStore({ now: () => NOW.getTime() });
    const state = new Proxy(store, {
      get(target, name) {
        if (name === 'setCooldown') return () => Promise.reject(new Error('state store unavailable: setCooldown'));
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { make, logs } = setup({ state });
    const { ctx, actions } = make();
    let calls = 0;
    const outcome = await ctx.act('scale', 'web', async () => ++calls, { cooldownMs: 600_000 });
    expect(outcome).toMatchObject({ status: 'done', value: 1 });
    expect(calls).toBe(1);
    expect(actions[0]).toMatchObject({
      status: 'done',
      reason: 'applied; not recorded: state store unavailable: setCooldown',
    });
    expect(logs.audits().map((a) => [a.decision, a.reason])).toEqual([
      ['intent', 'guardrails passed'],
      ['done', 'applied; not recorded: state store unavailable: setCooldown'],
    ]);
    // The lock was released all the same.
    expect((await make().ctx.act('scale', 'web', async () => ++calls)).status).toBe('done');
  });

  it('records a failed mutation, releases the lock and rethrows', async () => {
    const { make, logs } = setup();
    const { ctx, actions } = make();
    await expect(
      ctx.act('rollback', 'web', async () => Promise.reject(new Error('PERMISSION_DENIED'))),
    ).rejects.toThrow('PERMISSION_DENIED');
    expect(actions[0]).toMatchObject({ status: 'failed', reason: 'PERMISSION_DENIED' });
    expect(logs.audits().map((a) => a.decision)).toEqual(['intent', 'failed']);
    expect((await make().ctx.act('rollback', 'web', async () => 1)).status).toBe('done');
  });
});
