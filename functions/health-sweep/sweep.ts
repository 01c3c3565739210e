import { formatDuration } from '../../shared/core/config/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { type CheckResult, type CheckStatus, worst } from './checks/types.js';
import type { CheckEntry } from './config.js';
import { advance, type CheckMemory, isDue } from './decide.js';
import type { HealthSweepDeps } from './deps.js';
import { type SweepMemory, sweepMemory } from './memory.js';
import { notifyGroups } from './notify-groups.js';
import { type RemedyItem, remediateServices } from './remediate.js';
import { runBounded } from './run-bounded.js';
import { HealthKeys } from './state-keys.js';
import type { CheckRun, SweepItem, SweepOptions } from './sweep-types.js';

/** What a sweep did not run: checks not due, and checks left queued when it ran out of time. */
interface NotRun {
  notDue: number;
  outOfTime: string[];
  /** Why the time ran out: the sweep's budget, or the run's own end. */
  timeUp: string;
  /** Items of checks not run now whose remembered result is warn or fail. */
  remembered: SweepItem[];
}

function describeRun(runs: readonly CheckRun[], not: NotRun): string {
  const count = (s: CheckStatus) => runs.filter((r) => r.result.status === s).length;
  const failing = runs.filter((r) => r.result.status === 'fail').map((r) => r.entry.name);
  const list = (names: readonly string[]) => `${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;
  const head =
    runs.length === 0
      ? not.outOfTime.length > 0
        ? 'no check ran'
        : 'nothing due'
      : `${runs.length} check(s): ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`;
  const names = failing.length > 0 ? ` (failing: ${list(failing)})` : '';
  const parts = [`${head}${names}`];
  if (not.notDue > 0) parts.push(`${not.notDue} not due`);
  if (not.outOfTime.length > 0) {
    parts.push(`out of time: ${not.timeUp} before ${not.outOfTime.length} check(s) ran (${list(not.outOfTime)})`);
  }
  if (not.remembered.length > 0) {
    const shown = not.remembered.map((i) => `${i.check} ${i.status}${i.down ? ' (down)' : ''} at ${i.remembered}`);
    parts.push(`not run now, remembered: ${list(shown)}`);
  }
  return parts.join('; ');
}

/**
 * The item of a check this sweep did not run (`why`): a remembered warn or fail keeps its status, marked as the
 * result of its last run; otherwise it is `skipped`.
 */
function notRunItem(entry: CheckEntry, last: CheckMemory | undefined, why: string): SweepItem {
  const base = {
    check: entry.name,
    kind: entry.kind === 'invalid' ? (entry.declared ?? 'invalid') : entry.kind,
    ...(entry.service ? { service: entry.service } : {}),
  };
  if (!last || last.status === 'ok') {
    return {
      ...base,
      status: 'skipped',
      detail: `${why}; last run ${last?.lastRunAt ?? 'never'}: ${last?.status ?? '-'}`,
    };
  }
  return {
    ...base,
    status: last.status,
    detail: `${why}; remembered from ${last.lastRunAt}: ${last.detail}`,
    failures: last.failures,
    down: last.down,
    ...(last.flapping ? { flapping: true } : {}),
    remembered: last.lastRunAt,
  };
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
    ...(result.growth ? { growth: true } : {}),
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
  // Least recently run first: checks the budget left out last time go first this time, so none starves.
  const lastRun = (e: CheckEntry) => Date.parse(memories.get(e.name)?.lastRunAt ?? '') || 0;
  const order = [...due].sort((a, b) => lastRun(a) - lastRun(b));
  const results = new Map(
    (await runBounded(ctx, deps, health, order, memories)).map((result, i) => [order[i] as CheckEntry, result]),
  );
  // A check still queued when the time ran out did not run: its memory stays as it was, and nothing is decided.
  const outOfTime = due.filter((e) => results.get(e)?.notRun);
  const flapping = { transitions: health.flapping.transitions, windowMs: health.flapping.window };
  const runs: CheckRun[] = due
    .filter((e) => !outOfTime.includes(e))
    .map((entry) => {
      const result = results.get(entry) as CheckResult;
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

  const budget = formatDuration(health.budget);
  const timeUp = ctx.signal.aborted ? 'the run ended' : `the sweep's ${budget} budget ran out`;
  if (outOfTime.length > 0) {
    ctx.log.warn(`${timeUp}: checks not run`, { budget, checks: outOfTime.map((e) => e.name) });
  }
  const skipped = entries.filter((e) => !due.includes(e));
  const every = (entry: CheckEntry) =>
    entry.kind === 'invalid' || entry.every === undefined ? '' : ` (every ${formatDuration(entry.every)})`;
  const notRun = [
    ...skipped.map((e) => notRunItem(e, memories.get(e.name), `not due${every(e)}`)),
    ...outOfTime.map((e) => notRunItem(e, memories.get(e.name), 'not run: the sweep ran out of time first')),
  ];
  const items: SweepItem[] = [...runs.map(itemOf), ...notRun];
  const remembered = notRun.filter((i) => i.remembered !== undefined);
  // Checks not run now still count with what they last showed; a sweep out of time is at least a warning.
  const outcome = worst(
    ...runs.map((r) => r.result.status),
    ...remembered.map((i) => i.status as CheckStatus),
    ...(outOfTime.length > 0 ? (['warn'] as const) : []),
  );
  const described = describeRun(runs, {
    notDue: skipped.length,
    outOfTime: outOfTime.map((e) => e.name),
    timeUp,
    remembered,
  });
  const remedyText = remedies.map((r) => `; ${r.summary}`).join('');
  const stateText = memory.usable ? '' : '; state unavailable: nobody notified';
  const extra = {
    ...(remedies.length > 0 ? { remediation: remedies } : {}),
    ...(outOfTime.length > 0 ? { outOfTime: { budget, notRun: outOfTime.map((e) => e.name) } } : {}),
  };
  return {
    outcome,
    summary: `${described}${remedyText}${stateText}`,
    items,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
