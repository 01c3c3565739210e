import { describe, expect, it } from 'vitest';
import { DependencyError, NotFoundError } from '../../../../shared/core/errors/index.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { runForTest } from '../../../../shared/testing/index.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';

const manual = (id: string, payload: Record<string, unknown> = {}) => ({ kind: 'manual' as const, id, payload });

describe('runFunction', () => {
  it('returns the full envelope of a run', async () => {
    const calls: CallLog = new Map();
    const logs = captureLogs();
    const { envelope } = await runForTest(makeMutateFunction(calls), manual('m1', { target: 'web' }), {
      estate: testEstate(),
      logSink: logs.sink,
      runId: 'run-1',
    });
    expect(envelope).toMatchObject({
      function: 'mutate',
      runId: 'run-1',
      trigger: { kind: 'manual', id: 'm1' },
      dryRun: false,
      outcome: 'ok',
      summary: 'done web',
      actions: [{ action: 'mutate', target: 'web', status: 'done' }],
      notifications: [],
    });
    expect(Date.parse(envelope.finishedAt)).toBeGreaterThanOrEqual(Date.parse(envelope.startedAt));
    expect(logs.audits().map((a) => a.decision)).toEqual(['received', 'intent', 'done', 'finished']);
  });

  it('does the work once for a duplicate event id and returns the recorded outcome', async () => {
    const calls: CallLog = new Map();
    const state = new MemoryStateStore();
    const fn = makeMutateFunction(calls);
    const { envelope: first } = await runForTest(fn, manual('same'), { estate: testEstate(), state });
    const { envelope: second } = await runForTest(fn, manual('same'), { estate: testEstate(), state });
    expect(calls.get('svc')).toBe(1);
    expect(second).toMatchObject({ runId: first.runId, duplicate: true, outcome: 'ok' });
  });

  it('keeps a dry run of an event apart from its real run: the preview does not use up the one real run', async () => {
    const calls: CallLog = new Map();
    const state = new MemoryStateStore();
    const fn = makeMutateFunction(calls);
    const run = (dryRun: boolean) =>
      runForTest(fn, manual('alert-7', { target: 'web' }), { estate: testEstate(), state, dryRun }).then(
        (r) => r.envelope,
      );
    const preview = await run(true);
    expect(preview).toMatchObject({ dryRun: true, outcome: 'ok' });
    expect(calls.get('web')).toBeUndefined();
    const real = await run(false);
    expect(real).toMatchObject({ dryRun: false, outcome: 'ok', actions: [{ status: 'done' }] });
    expect(real.duplicate).toBeUndefined();
    expect(calls.get('web')).toBe(1);
    // Each stays once: a repeated preview or delivery gets its own recorded outcome.
    expect(await run(true)).toMatchObject({ runId: preview.runId, duplicate: true, dryRun: true });
    expect(await run(false)).toMatchObject({ runId: real.runId, duplicate: true, dryRun: false });
    expect(calls.get('web')).toBe(1);
  });

  it('runs 100 concurrent deliveries of one event exactly once', async () => {
    const calls: CallLog = new Map();
    const state = new MemoryStateStore();
    const fn = makeMutateFunction(calls, { delayMs: 20 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        runForTest(fn, manual('storm'), { estate: testEstate(), state }).then((r) => r.envelope),
      ),
    );
    expect(calls.get('svc')).toBe(1);
    expect(results.filter((r) => r.duplicate === true)).toHaveLength(99);
  });

  it('rejects a payload that fails the input schema, naming the field, with no action', async () => {
    const calls: CallLog = new Map();
    const logs = captureLogs();
    const { envelope } = await runForTest(makeMutateFunction(calls), manual('bad', { target: 7 }), {
      estate: testEstate(),
      logSink: logs.sink,
    });
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toMatch(/target: /);
    expect(envelope.error).toMatchObject({ kind: 'badInput', status: 400 });
    expect(calls.size).toBe(0);
    expect(logs.audits().map((a) => a.decision)).toEqual(['received', 'rejected']);
  });

  it('rejects a trigger kind the function does not accept', async () => {
    const fn = defineFunction({
      name: 'onlyManual',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => ({ outcome: 'ok', summary: '' }),
    });
    const { envelope } = await runForTest(
      fn,
      { kind: 'scheduled', id: 's', job: 'j', scheduledAt: '2026-01-01T00:00:00Z', payload: {} },
      { estate: testEstate() },
    );
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toContain('does not accept scheduled');
  });

  it('maps an unknown target to a 404 rejection', async () => {
    const fn = defineFunction({
      name: 'lookup',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => {
        throw new NotFoundError('unknown service "nope"');
      },
    });
    const { envelope } = await runForTest(fn, manual('x'), {
      estate: testEstate(),
    });
    expect(envelope).toMatchObject({ outcome: 'rejected', error: { status: 404, retryable: false } });
  });

  it('forgets the claim after a retryable failure so a redelivery runs again', async () => {
    const state = new MemoryStateStore();
    let attempts = 0;
    const fn = defineFunction({
      name: 'flaky',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => {
        attempts++;
        if (attempts === 1) throw new DependencyError('Cloud Run API 503');
        return { outcome: 'ok', summary: 'fine' };
      },
    });
    const { envelope: first } = await runForTest(fn, manual('r'), { estate: testEstate(), state });
    expect(first).toMatchObject({ outcome: 'fail', error: { retryable: true, status: 503 } });
    const { envelope: second } = await runForTest(fn, manual('r'), { estate: testEstate(), state });
    expect(second.outcome).toBe('ok');
    expect(attempts).toBe(2);
  });

  it('bounds a run by limits.timeout and aborts its signal', async () => {
    let aborted = false;
    const fn = defineFunction({
      name: 'hang',
      description: '',
      triggers: ['manual'],
      input: z.object({}),
      run: (ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const { envelope } = await runForTest(fn, manual('h'), {
      estate: testEstate({ limits: { timeout: '100ms' } }),
    });
    expect(envelope).toMatchObject({ outcome: 'fail', error: { kind: 'dependency', retryable: true } });
    expect(envelope.summary).toContain('did not finish');
    expect(aborted).toBe(true);
  });

  it('runs read-only work without state and refuses mutations when the store is down', async () => {
    const calls: CallLog = new Map();
    const { envelope } = await runForTest(makeMutateFunction(calls), manual('nostate'), {
      estate: testEstate(),
      stateAvailable: false,
    });
    expect(envelope.state).toBe('unavailable');
    expect(envelope).toMatchObject({ outcome: 'fail', error: { status: 503, retryable: true } });
    expect(envelope.actions[0]).toMatchObject({ status: 'refused', by: 'state-unavailable' });
    expect(calls.size).toBe(0);
  });
});
