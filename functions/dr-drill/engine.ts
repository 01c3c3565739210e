import { LockedError, NotFoundError } from '../../shared/core/errors/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { type ShutdownError, shutdownOf } from '../../shared/host/runtime/index.js';
import type { DrDrillDeps } from './deps.js';
import { finalize } from './finalize.js';
import { applySignals, type DrillRecord, isFinal, isOver, type StepRecord } from './model.js';
import { CREATING_STEPS, type NamedStep, nameSteps } from './plan.js';
import { drillResult } from './result.js';
import { saveDrill, stepEnv } from './step-env.js';
import { runAssert } from './steps/assert.js';
import { runCleanup } from './steps/cleanup.js';
import { runHttpCheck } from './steps/http-check.js';
import { runWait } from './steps/pending.js';
import { runRestoreDump } from './steps/restore-dump.js';
import { runRunDeploy } from './steps/run-deploy.js';
import { runSqlClone, runSqlRestoreBackup } from './steps/sql.js';
import { message, type StepEnv, type StepResult } from './steps/types.js';
import { loadDrill } from './unseal.js';

/** A step found `running` at the start of an invocation this often (each a crash) is failed. */
const MAX_ATTEMPTS = 3;

/** The lock that keeps two invocations from advancing one drill at once. */
export const advanceLock = (id: string) => `drDrill:advance:${id}`;

type Turn = { next: 'continue' } | { next: 'stop'; result: RunResult };

/**
 * Advances drill `id`: one step per invocation (each step in its own invocation, continued through
 * `ctx.continue`), or every step in a row when `foreground` (the CLI). Finished steps are never run
 * again; a step found `running` was interrupted and is run again, which each step tolerates.
 */
export async function advance(ctx: Context, ports: DrDrillDeps, id: string, foreground: boolean): Promise<RunResult> {
  // A background step leaves room for its hand-over; the CLI has no later invocation to hand over to.
  const timeout = ctx.config.limits.timeout;
  const budget = foreground ? Math.max(timeout - 30_000, timeout * 0.6) : timeout * 0.6;
  const deadline = ctx.now().getTime() + Math.floor(budget);
  if (ctx.dryRun) {
    const drill = await loadDrill(ctx, id);
    if (!drill) throw new NotFoundError(`no drill ${id}`);
    return {
      ...drillResult(drill),
      outcome: 'skipped',
      summary: `dry-run: drill ${id} is not advanced (${progressLine(drill)})`,
    };
  }
  const token = await ctx.state.lock(advanceLock(id), ctx.config.limits.timeout + 60_000);
  // Retryable: a redelivered continuation must not be lost while the janitor or a twin holds the lock.
  if (!token) throw new LockedError(`drill ${id} is being advanced by another invocation`);
  let turn: Turn;
  let drill: DrillRecord | undefined;
  try {
    do {
      drill = await loadDrill(ctx, id);
      if (!drill) throw new NotFoundError(`no drill ${id}`);
      turn = await takeTurn(ctx, ports, drill, deadline);
    } while (turn.next === 'continue' && foreground && deadline - ctx.now().getTime() > 0);
  } finally {
    await ctx.state.unlock(advanceLock(id), token).catch(() => undefined);
  }
  if (turn.next === 'stop') return turn.result;
  // Only after the lock is released: locally the next invocation may start at once.
  await ctx.continue(`${id}:${ctx.runId}`, { drill: id });
  ctx.progress(`drill ${id}: continues in the next invocation`);
  return { ...drillResult(drill), outcome: 'ok', accepted: true, summary: `drill ${id}: ${progressLine(drill)}` };
}

async function takeTurn(ctx: Context, ports: DrDrillDeps, drill: DrillRecord, deadline: number): Promise<Turn> {
  // A process that is stopping starts no further step; the redelivered invocation will.
  const shutdown = shutdownOf(ctx.signal);
  if (shutdown) throw shutdown;
  if (!drill.runs.includes(ctx.runId)) drill.runs.push(ctx.runId);
  await applySignals(ctx, drill);
  if (isOver(drill.status)) return { next: 'stop', result: drillResult(drill) };
  const steps = nameSteps(drill.definition);
  const index = drill.steps.findIndex((s) => !isFinal(s.status));
  const step = steps[index];
  const record = drill.steps[index];
  if (!step || !record) return { next: 'stop', result: await finalize(ctx, ports, drill) };

  const stopping = drill.cancel !== undefined || drill.steps.some((s) => s.status === 'fail');
  if (stopping && step.step !== 'cleanup') {
    const why = drill.cancel ? `cancelled by ${drill.cancel.by}` : 'not run: an earlier step failed';
    for (const s of drill.steps) {
      if (isFinal(s.status) || s.step === 'cleanup') continue;
      s.status = drill.cancel ? 'cancelled' : 'skipped';
      s.detail = s.detail ? `${s.detail}; ${why}` : why;
      s.finishedAt ??= s.startedAt ? ctx.now().toISOString() : undefined;
    }
    await saveDrill(ctx, drill);
    return { next: 'continue' };
  }
  if (drill.definition.approval === 'required' && CREATING_STEPS.has(step.step) && !drill.approval?.approvedAt) {
    if (drill.status !== 'awaiting-approval') {
      drill.status = 'awaiting-approval';
      drill.approval = { required: true, requestedAt: ctx.now().toISOString() };
      await saveDrill(ctx, drill);
      // An approval (or cancel) given before the gate, or by a route that read the drill before this save, came
      // with no continuation, since the drill was running: it is taken now, or the drill would wait for it.
      await applySignals(ctx, drill);
      if (drill.approval?.approvedAt || drill.cancel) {
        await saveDrill(ctx, drill);
        return { next: 'continue' };
      }
      await ctx.notify({
        severity: 'info',
        title: `DR drill ${drill.id} (${drill.plan}) waits for approval`,
        text: `Step ${step.name} (${step.step}) creates resources. A second person approves with POST /drDrill/approve {"id":"${drill.id}"}, or cancels with POST /drDrill/cancel.`,
        dedupKey: `drDrill-approval-${drill.id}`,
        function: ctx.function,
      });
    }
    return {
      next: 'stop',
      result: {
        ...drillResult(drill),
        accepted: true,
        summary: `drill ${drill.id} waits for approval before ${step.name}`,
      },
    };
  }

  drill.status = 'running';
  if (record.status === 'running' && !record.pending) record.attempts++;
  if (record.status === 'pending') record.attempts = 1;
  if (record.attempts > MAX_ATTEMPTS) {
    Object.assign(record, {
      status: 'fail',
      finishedAt: ctx.now().toISOString(),
      detail: `interrupted ${MAX_ATTEMPTS} times; given up`,
    });
    await saveDrill(ctx, drill);
    return { next: 'continue' };
  }
  record.status = 'running';
  record.pending = false;
  record.startedAt ??= ctx.now().toISOString();
  await saveDrill(ctx, drill);
  ctx.progress(`drill ${drill.id}: step ${index + 1}/${steps.length} ${step.name} (${step.step}) running`);

  const env = stepEnv(ctx, ports, drill, steps, deadline, step.name);
  const result = await runStep(env, step, record).catch((error: unknown) => ({
    status: 'fail' as const,
    detail: message(error),
  }));
  const stopped = shutdownOf(ctx.signal);
  if (stopped) return interrupted(ctx, drill, record, stopped);
  record.detail = result.detail;
  if ('data' in result && result.data) record.data = { ...record.data, ...result.data };
  if (result.status === 'pending') {
    record.pending = true;
  } else {
    record.status = result.status;
    record.finishedAt = ctx.now().toISOString();
    ctx.progress(
      `drill ${drill.id}: step ${index + 1}/${steps.length} ${step.name} ${result.status}: ${result.detail}`,
    );
  }
  await saveDrill(ctx, drill);
  if (step.step === 'cleanup' && result.status !== 'pending')
    return { next: 'stop', result: await finalize(ctx, ports, drill) };
  return { next: 'continue' };
}

/**
 * The step was cut off by a shutdown, not failed: it stays `running` (the next invocation runs it
 * again, as after a crash, and the drill's resources stay recorded for cleanup) and the run ends
 * with the retryable shutdown error, so its trigger is delivered again.
 */
async function interrupted(
  ctx: Context,
  drill: DrillRecord,
  record: StepRecord,
  reason: ShutdownError,
): Promise<never> {
  record.detail = `interrupted at ${ctx.now().toISOString()} (${reason.message}); runs again when the drill resumes`;
  await saveDrill(ctx, drill);
  ctx.log.audit({
    decision: 'failed',
    action: 'drill.step',
    target: `${drill.id}/${record.name}`,
    reason: record.detail,
    outcome: 'interrupted',
  });
  throw reason;
}

/** One line of where a drill stands. */
export function progressLine(drill: DrillRecord): string {
  const done = drill.steps.filter((s) => isFinal(s.status)).length;
  const current = drill.steps.find((s) => !isFinal(s.status));
  return `${done}/${drill.steps.length} steps done${current ? `, next ${current.name}` : ''}`;
}

/** Runs one step of the library by its kind. */
export function runStep(env: StepEnv, step: NamedStep, record: StepRecord): Promise<StepResult> {
  switch (step.step) {
    case 'db.restoreDump':
      return runRestoreDump(env, step, record);
    case 'db.assert':
      return runAssert(env, step);
    case 'http.check':
      return runHttpCheck(env, step, record);
    case 'wait':
      return runWait(env, step, record);
    case 'sql.clone':
      return runSqlClone(env, step, record);
    case 'sql.restoreBackup':
      return runSqlRestoreBackup(env, step, record);
    case 'run.deploy':
      return runRunDeploy(env, step, record);
    case 'cleanup':
      return runCleanup(env);
  }
}
