import { describe, expect, it } from 'vitest';
import { describeTrigger } from '../../../../shared/core/events/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createRunner, RUN_STEPS } from '../../../../shared/host/runtime/invoke.js';
import type { RunStep } from '../../../../shared/host/runtime/run-step.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { runForTest } from '../../../../shared/testing/index.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';

const manual = (id: string, payload: Record<string, unknown> = {}) => ({ kind: 'manual' as const, id, payload });

describe('the steps of a run', () => {
  it('validates the trigger, then claims its idempotency key, before the function runs', () => {
    expect(RUN_STEPS.map((step) => step.name)).toEqual(['history', 'validate', 'idempotency']);
  });

  it('runs many triggers through one runner built once with its services', async () => {
    const calls: CallLog = new Map();
    const state = new MemoryStateStore();
    const run = createRunner(createServices({ config: testEstate(), state, logSink: () => {} }));
    const fn = makeMutateFunction(calls);
    const first = await run(fn, manual('a', { target: 'web' }));
    const again = await run(fn, manual('a', { target: 'web' }));
    const other = await run(fn, manual('b', { target: 'api' }), { dryRun: true });
    expect(first.outcome).toBe('ok');
    expect(again).toMatchObject({ runId: first.runId, duplicate: true });
    expect(other).toMatchObject({ dryRun: true, actions: [{ status: 'dry-run' }] });
    expect(calls).toEqual(new Map([['web', 1]]));
  });

  it('runs a redelivery again when the caller opts out of idempotency, and claims nothing', async () => {
    const calls: CallLog = new Map();
    const state = new MemoryStateStore();
    const fn = makeMutateFunction(calls);
    const options = { estate: testEstate(), state, idempotency: false };
    const { envelope: first } = await runForTest(fn, manual('same'), options);
    const { envelope: second } = await runForTest(fn, manual('same'), options);
    expect(calls.get('svc')).toBe(2);
    expect(second.duplicate).toBeUndefined();
    expect(second.runId).not.toBe(first.runId);
    expect(await state.keys('idem:')).toEqual([]);
  });

  it('leaves idempotency out when the state store is down', async () => {
    const state = new MemoryStateStore();
    const logs = captureLogs();
    const { envelope } = await runForTest(makeMutateFunction(new Map()), manual('down'), {
      estate: testEstate(),
      state,
      stateAvailable: false,
      logSink: logs.sink,
    });
    expect(envelope.state).toBe('unavailable');
    expect(await state.keys('idem:')).toEqual([]);
    expect(logs.records().map((r) => r.message)).toContainEqual(expect.stringContaining('running without idempotency'));
  });

  it('runs the befores in order and the afters in reverse around the function; an early envelope ends the run', async () => {
    const order: string[] = [];
    const step = (name: string, stop = false): RunStep => ({
      name,
      async before(run) {
        order.push(`${name}:before`);
        return stop ? run.envelope({ outcome: 'skipped', summary: `${name} stopped it` }) : undefined;
      },
      async after() {
        order.push(`${name}:after`);
      },
    });
    const calls: CallLog = new Map();
    const services = createServices({ config: testEstate(), state: new MemoryStateStore(), logSink: () => {} });
    await createRunner(services, [step('a'), step('b')])(makeMutateFunction(calls), manual('x'));
    expect(order).toEqual(['a:before', 'b:before', 'b:after', 'a:after']);
    expect(calls.get('svc')).toBe(1);

    order.length = 0;
    const stopped = await createRunner(services, [step('a', true), step('b')])(makeMutateFunction(calls), manual('y'));
    expect(stopped).toMatchObject({ outcome: 'skipped', summary: 'a stopped it' });
    expect(order).toEqual(['a:before']);
    expect(calls.get('svc')).toBe(1);
  });

  it('audits the receipt with the trigger described in one line', async () => {
    const logs = captureLogs();
    const trigger = { kind: 'manual' as const, id: 'd1', payload: {}, caller: 'oncall@example.com' };
    await runForTest(makeMutateFunction(new Map()), trigger, {
      estate: testEstate(),
      logSink: logs.sink,
    });
    expect(logs.audits()[0]).toMatchObject({
      decision: 'received',
      reason: 'manual trigger d1',
      evidence: { trigger: describeTrigger(trigger) },
    });
  });
});
