import type { Context, Fanout, RunResult } from '../../shared/core/run/index.js';
import { fanOut, type ShardRef } from '../../shared/core/run/index.js';
import { checkBackups, reportBackups } from './run-backups.js';
import { type BackupResult, check } from './types.js';
import type { VerifyDeps } from './verify-backup.js';

/** backupVerify's shards: each verifies its backups; the last writes the run's report and notifies. */
export function backupFanout(deps: VerifyDeps): Fanout<BackupResult> {
  return {
    async work(ctx, keys, run) {
      const configured = keys.filter((name) => ctx.config.backups[name] !== undefined);
      // A restore the run was asked for (`restore: true`: the weekly restore job, a person) is every shard's.
      const forceRestore = deps.forceRestore || run.options?.restore === true;
      const { results } = await checkBackups(ctx, { names: configured }, { ...deps, forceRestore });
      const gone = keys.filter((name) => !configured.includes(name));
      return [...results, ...gone.map((name) => missing(ctx, name, 'no longer in the estate’s backups'))];
    },
    missing,
    finish: (ctx, run, items) => reportBackups(ctx, run.runId, items, deps.budget),
  };
}

function missing(ctx: Context, name: string, why: string): BackupResult {
  return {
    backup: name,
    kind: ctx.config.backups[name]?.kind ?? 'unknown',
    status: 'fail',
    checks: [check('shard', 'fail', why)],
  };
}

/** backupVerify's part of a run split into shards (see `fanOut`); undefined when it verifies its backups itself. */
export function fanOutBackups(
  ctx: Context,
  names: string[],
  shard: ShardRef | undefined,
  deps: VerifyDeps,
): Promise<RunResult<BackupResult> | undefined> {
  const perShard = ctx.config.limits.shards.backups;
  const options = deps.forceRestore ? { options: { restore: true } } : {};
  return fanOut(ctx, { keys: names, shard, perShard, what: 'backups', ...options }, backupFanout(deps));
}
