import { describe, expect, it } from 'vitest';
import type { ResultEnvelope } from '../../../../shared/core/run/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createOpsMetrics } from '../../../../shared/host/metrics/index.js';
import type { Invocation } from '../../../../shared/host/runtime/index.js';
import { historyKey } from '../../../../shared/host/runtime/index.js';
import { testEstate } from '../../../support/estate.js';
import { makeMutateFunction } from '../../../support/mutate-function.js';

const envelope = (outcome: ResultEnvelope['outcome'], extra: Partial<ResultEnvelope> = {}): ResultEnvelope => ({
  function: 'mutate',
  runId: 'r',
  trigger: { kind: 'manual', id: 'm' },
  dryRun: false,
  startedAt: '2026-06-01T00:00:00.000Z',
  finishedAt: '2026-06-01T00:00:02.000Z',
  outcome,
  summary: '',
  items: [],
  actions: [],
  notifications: [],
  ...extra,
});

const series = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .sort();

describe('the metrics of a serve', () => {
  it('counts runs, durations, actions and guard refusals, and the streak of failures', async () => {
    const metrics = createOpsMetrics({ config: testEstate(), functions: [makeMutateFunction(new Map())] });
    const finish = (e: ResultEnvelope) => metrics.step.after?.({} as Invocation<unknown>, e);
    await finish(envelope('fail'));
    await finish(envelope('fail'));
    await finish(
      envelope('skipped', {
        actions: [{ action: 'mutate', target: 'web', status: 'refused', by: 'cooldown', reason: 'cooling' }],
      }),
    );
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(series(body, 'opsfn_runs_total')).toEqual([
      'opsfn_runs_total{function="mutate",outcome="fail"} 2',
      'opsfn_runs_total{function="mutate",outcome="skipped"} 1',
    ]);
    expect(series(body, 'opsfn_consecutive_failed_runs')).toEqual([
      'opsfn_consecutive_failed_runs{function="mutate"} 2',
    ]);
    expect(series(body, 'opsfn_guard_refusals_total')).toEqual([
      'opsfn_guard_refusals_total{function="mutate",action="mutate",reason="cooldown"} 1',
    ]);
    expect(body).toContain('opsfn_run_duration_seconds_bucket{le="2.5",function="mutate"} 3');
    await finish(envelope('ok'));
    expect(series((await metrics.render()).body, 'opsfn_consecutive_failed_runs')).toEqual([
      'opsfn_consecutive_failed_runs{function="mutate"} 0',
    ]);
  });

  it('picks the failure streak up from the kept history after a restart', async () => {
    const state = new MemoryStateStore();
    for (const outcome of ['ok', 'fail', 'skipped', 'fail', 'fail'] as const) {
      await state.push(historyKey('mutate'), { envelope: envelope(outcome) }, 50);
    }
    const metrics = createOpsMetrics({ config: testEstate(), functions: [makeMutateFunction(new Map())] });
    await metrics.load(state);
    expect(series((await metrics.render()).body, 'opsfn_consecutive_failed_runs')).toEqual([
      'opsfn_consecutive_failed_runs{function="mutate"} 3',
    ]);
    expect(series((await metrics.render()).body, 'opsfn_breaker_open')).toEqual(['opsfn_breaker_open 0']);
  });

  it('leaves the failure streak unknown, not 0, when the kept history cannot be read at start', async () => {
    const state = new MemoryStateStore();
    state.list = async () => {
      throw new Error('state store unreachable');
    };
    const metrics = createOpsMetrics({ config: testEstate(), functions: [makeMutateFunction(new Map())] });
    await metrics.load(state);
    // A 0 would resolve a ">= 3 failed runs" alert that is still true.
    expect(series((await metrics.render()).body, 'opsfn_consecutive_failed_runs')).toEqual([]);
  });
});
