import { formatDuration } from '../../shared/core/config/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { type CheckResult, type CheckStatus, worst } from './checks/types.js';
import { advance, isDue } from './decide.js';
import type { HealthSweepDeps } from './deps.js';
import { type SweepMemory, sweepMemory } from './memory.js';
import { notifyGroups } from './notify-groups.js';
import { type RemedyItem, remediateServices } from './remediate.js';
import { runBounded } from './run-bounded.js';
import { HealthKeys } from './state-keys.js';
import type { CheckRun, SweepItem, SweepOptions } from './sweep-types.js';

function describeRun(runs: readonly CheckRun[], skipped: number): string {
  const count = (s: CheckStatus) => runs.filter((r) => r.result.status === s).length;
  const failing = runs.filter((r) => r.result.status === 'fail').map((r) => r.entry.name);
  const head = `${runs.length} check(s): ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`;
  const names =
    failing.length > 0 ? ` (failing: ${failing.slice(0, 10).join(', ')}${failing.length > 10 ? ', …' : ''})` : '';
  return `${head}${names}${skipped > 0 ? `; ${skipped} not due` : ''}`;
}

function itemOf(run: CheckRun): SweepItem {
  const { entry, result, memory } = run;
  return {
    check: entry.name,
    kind: entry.kind === 'invalid' ? (entry.declared ?? 'invalid') : entry.kind,
    ...(entry.service ? { service: entry.service } : {}),
    status: result.status,
    detail: result.detail,
    latencyMs: result.latencyMs,
    failures: memory.failures,
    down: memory.down,
    ...(memory.flapping ? { flapping: true } : {}),
    ...(result.dependencies ? { dependencies: result.dependencies } : {}),
    ...(result.data ? { data: result.data } : {}),
  };
}

async function record(ctx: Context, memory: SweepMemory, runs: readonly CheckRun[]): Promise<void> {
  await Promise.all(runs.map((r) => memory.put(HealthKeys.check(r.entry.name), r.memory)));
  for (const r of runs.filter((x) => x.entry.kind === 'invalid')) {
    ctx.log.audit({ decision: 'rejected', target: r.entry.name, reason: r.result.detail, outcome: 'rejected' });
  }
}

/**
 * One sweep: runs the due checks (bounded), moves each check's memory on, tells people about groups that went
 * down, stayed down or recovered, restarts services whose checks opted in, and returns one item per check.
 */
export async function sweep(ctx: Context, deps: HealthSweepDeps, options: SweepOptions = {}): Promise<RunResult> {
  const health = ctx.config.health;
  const entries = (health?.checks ?? []).filter(options.select ?? (() => true));
  if (!health || entries.length === 0) {
    return {
      outcome: 'skipped',
      summary: health ? 'no health check selected' : 'no health checks configured',
      items: [],
    };
  }
  const memory = sweepMemory(ctx);
  const now = ctx.now();
  const memories = await memory.checks(entries.map((e) => e.name));
  const due = entries.filter((e) => options.force || e.kind === 'invalid' || isDue(memories.get(e.name), e.every, now));
  const results = await runBounded(ctx, deps, health, due, memories);
  const flapping = { transitions: health.flapping.transitions, windowMs: health.flapping.window };
  const runs: CheckRun[] = due.map((entry, i) => {
    const result = results[i] as CheckResult;
    const failAfter = entry.kind === 'invalid' ? 2 : entry.failAfter;
    const step = advance(
      memories.get(entry.name),
      result,
      { failAfter, flapping, confirmed: options.confirmedBy !== undefined },
      now,
    );
    return { entry, result, memory: step.memory, ...(step.event ? { event: step.event } : {}) };
  });
  await record(ctx, memory, runs);
  for (const run of runs) memories.set(run.entry.name, run.memory);

  let remedies: RemedyItem[] = [];
  if (memory.usable) {
    await notifyGroups(ctx, memory, health, entries, runs, memories);
    remedies = await remediateServices(ctx, deps, memory, health, runs, memories);
  } else if (runs.some((r) => r.result.status === 'fail')) {
    ctx.log.warn('state store unavailable: failing checks are reported but nobody is paged and nothing restarts');
  }

  const skipped = entries.filter((e) => !due.includes(e));
  const items: SweepItem[] = [
    ...runs.map(itemOf),
    ...skipped.map((entry) => {
      const last = memories.get(entry.name);
      const every =
        entry.kind === 'invalid' || entry.every === undefined ? '' : ` (every ${formatDuration(entry.every)})`;
      return {
        check: entry.name,
        kind: entry.kind,
        ...(entry.service ? { service: entry.service } : {}),
        status: 'skipped' as const,
        detail: `not due${every}; last run ${last?.lastRunAt ?? 'never'}: ${last?.status ?? '-'}`,
      };
    }),
  ];
  const outcome = worst(...runs.map((r) => r.result.status));
  const remedyText = remedies.map((r) => `; ${r.summary}`).join('');
  const stateText = memory.usable ? '' : '; state unavailable: nobody notified';
  return {
    outcome: runs.length === 0 ? 'ok' : outcome,
    summary: `${runs.length === 0 ? 'nothing due' : describeRun(runs, skipped.length)}${remedyText}${stateText}`,
    items,
    ...(remedies.length > 0 ? { extra: { remediation: remedies } } : {}),
  };
}
