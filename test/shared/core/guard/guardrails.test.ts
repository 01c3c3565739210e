import { describe, expect, it } from 'vitest';
import type { EstateInput } from '../../../../functions/estate.js';
import { GUARDRAILS, type GuardrailName } from '../../../../shared/core/guard/guardrails.js';
import { GuardKeys } from '../../../../shared/core/guard/keys.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createContext } from '../../../../shared/host/runtime/context.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const FREEZE = { start: '2026-11-20T00:00:00Z', end: '2026-11-21T00:00:00Z', reason: 'black friday' };

describe('GUARDRAILS', () => {
  it('lists the guardrails in the order every action meets them', () => {
    expect(GUARDRAILS.map((g) => g.name)).toEqual([
      'state-unavailable',
      'kill-switch',
      'freeze',
      'dry-run',
      'lock',
      'cooldown',
      'rate-limit',
      'breaker',
    ]);
  });

  it('stops an action at the first guardrail of the list that would stop it, and each refusal names its guardrail', async () => {
    const state = new MemoryStateStore({ now: () => NOW.getTime() });
    const logs = captureLogs();
    // Every guardrail would stop the action; each is lifted once it was seen to stop it. A dry run
    // passes a state store that is down, so dry-run is armed only once the store is back.
    const run = { stateAvailable: false, dryRun: false };
    const guard: EstateInput['guard'] = {
      freezeWindows: [FREEZE],
      rateLimit: { perTarget: { max: 1, window: '1h' }, global: { max: 100, window: '1h' } },
    };
    await state.put(GuardKeys.paused, { reason: 'incident review', at: NOW.toISOString() });
    const token = await state.lock(GuardKeys.lock('web'), 60_000);
    await state.setCooldown(GuardKeys.cooldown('scale', 'web'), 60_000);
    await state.put(GuardKeys.breakerOpen, { at: NOW.toISOString() });
    await state.hit(GuardKeys.rateTarget('web'), 3_600_000, NOW.getTime());
    const lift: Record<GuardrailName, () => Promise<unknown>> = {
      'state-unavailable': async () => Object.assign(run, { stateAvailable: true, dryRun: true }),
      'kill-switch': () => state.delete(GuardKeys.paused),
      freeze: async () => (guard.freezeWindows = []),
      'dry-run': async () => (run.dryRun = false),
      lock: () => state.unlock(GuardKeys.lock('web'), token ?? ''),
      cooldown: () => state.delete(GuardKeys.cooldown('scale', 'web')),
      breaker: () => state.delete(GuardKeys.breakerOpen),
      'rate-limit': () => state.delete(GuardKeys.rateTarget('web')),
    };
    const act = () => {
      const services = createServices({ config: testEstate({ guard }), state, now: () => NOW, logSink: logs.sink });
      return createContext(services, 'mutate', { kind: 'manual', id: 'm1', payload: {} }, run).ctx.act(
        'scale',
        'web',
        async () => 'scaled',
      );
    };

    const seen: string[] = [];
    for (const { name } of GUARDRAILS) {
      const outcome = await act();
      if (name === 'dry-run') {
        expect(outcome).toEqual({ status: 'dry-run' });
      } else {
        expect(outcome).toMatchObject({ status: 'refused', by: name });
        expect(logs.audits().at(-1)).toMatchObject({
          decision: 'refused',
          reason: expect.stringMatching(`^${name}: `),
        });
      }
      seen.push(outcome.status === 'refused' ? outcome.by : outcome.status);
      await lift[name]();
    }
    expect(seen).toEqual(GUARDRAILS.map((g) => g.name));
    expect(await act()).toMatchObject({ status: 'done', value: 'scaled' });
  });
});
