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

  it('gives a check the sweep remembered instead of running its status, and the latency of the sweep that ran it', async () => {
    const metrics = createOpsMetrics({ config: testEstate(), functions: [makeMutateFunction(new Map())] });
    const sweep = (runId: string, items: unknown[]) =>
      metrics.step.after?.(
        {} as Invocation<unknown>,
        envelope('fail', { function: 'healthSweep', runId, items: items as ResultEnvelope['items'] }),
      );
    await sweep('older', [
      { check: 'db', kind: 'tcp', status: 'fail', detail: 'connection refused', latencyMs: 1_200 },
      { check: 'web', kind: 'http', status: 'ok', detail: '200', latencyMs: 40 },
    ]);
    // The newest sweep had no time for db: its item carries db's last result, remembered, and no latency of its own.
    await sweep('newer', [
      {
        check: 'db',
        kind: 'tcp',
        status: 'fail',
        detail: 'not reached within the sweep budget; remembered from 2026-06-01T00:00:02.000Z: connection refused',
        remembered: '2026-06-01T00:00:02.000Z',
      },
      { check: 'web', kind: 'http', status: 'ok', detail: '200', latencyMs: 30 },
    ]);
    const body = (await metrics.render()).body;
    expect(series(body, 'opsfn_health_up')).toEqual([
      'opsfn_health_up{check="db",kind="tcp",service=""} 0',
      'opsfn_health_up{check="web",kind="http",service=""} 1',
    ]);
    expect(series(body, 'opsfn_health_latency_seconds')).toEqual([
      'opsfn_health_latency_seconds{check="db"} 1.2',
      'opsfn_health_latency_seconds{check="web"} 0.03',
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
