import { NotFoundError } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import { describeSome, skipDeadLetter } from '../../shared/core/run/index.js';
import { finishRestoreJob } from './checks/restore-job.js';
import type { BackupVerifyDeps } from './deps.js';
import { fanOutBackups } from './fanout.js';
import type { BackupVerifyInput } from './input.js';
import { reportBackups, sweepOnly, verifyBackups } from './run-backups.js';
import { type RunBudget, startRunBudget } from './run-budget.js';
import type { VerifyDeps } from './verify-backup.js';

/**
 * One backupVerify run, loaded on the first run rather than at a cold start: the object stores, the restore clients
 * and SQL Admin it reaches are no part of answering a request it refuses, or of starting (handler.ts).
 */
export async function runBackupVerify(ctx: Context, input: BackupVerifyInput | undefined, deps: BackupVerifyDeps) {
  // Counted from the start of the run, as the runtime counts `limits.timeout`: what verifying may take of it.
  const budget = startRunBudget(ctx.config.limits.timeout);
  try {
    return await runWithin(ctx, input, deps, budget);
  } finally {
    budget.dispose();
  }
}

async function runWithin(
  ctx: Context,
  input: BackupVerifyInput | undefined,
  deps: BackupVerifyDeps,
  budget: RunBudget,
) {
  // A restore job's poll, dead-lettered too, still ends its restore test: one last look, then a verdict.
  if (input?.restoreJob)
    return finishRestoreJob(ctx, input.restoreJob, (results) => reportBackups(ctx, ctx.runId, results, budget));
  const dead = skipDeadLetter(ctx, input?.shard);
  if (dead) return dead;
  if (input?.selfTest) {
    // Loaded on its own trigger: it builds a backup's schema at import, which a cold start need not.
    const { selfTest } = await import('./self-test/self-test.js');
    return selfTest(ctx);
  }
  if (input?.sweep) return sweepOnly(ctx, deps.scratchClock);
  const verify = verifyDeps(ctx, input, deps, budget);
  const configured = Object.keys(ctx.config.backups);
  const names = input?.backups ?? configured;
  const unknown = input?.shard ? [] : names.filter((n) => !configured.includes(n));
  if (unknown.length > 0) {
    throw new NotFoundError(
      `unknown backup(s): ${describeSome(unknown)} (configured: ${describeSome(configured) || 'none'})`,
    );
  }
  return (await fanOutBackups(ctx, names, input?.shard, verify)) ?? verifyBackups(ctx, { names }, verify);
}

function verifyDeps(
  ctx: Context,
  input: BackupVerifyInput | undefined,
  deps: BackupVerifyDeps,
  budget: RunBudget,
): VerifyDeps {
  // Every backup's work stops when the run's time for verifying is spent, so the run still reports them all.
  const signal = AbortSignal.any([ctx.signal, budget.signal]);
  return {
    config: ctx.config,
    runId: ctx.runId,
    now: () => ctx.now().getTime(),
    signal,
    budget,
    state: ctx.state,
    secret: (ref) => ctx.secret(ref),
    openStore: deps.openStore,
    sqlAdmin: (timeoutMs) => deps.sqlAdmin(ctx.config.endpoints.sqladmin, timeoutMs, signal),
    redisInfo: deps.redisInfo,
    scratchClock: deps.scratchClock,
    forceRestore: input?.restore === true,
    act: ctx.act,
    jobs: ctx.jobs,
    continueJob: (backup) => ctx.continue(`restore-job:${backup}`, { restoreJob: backup }),
  };
}
