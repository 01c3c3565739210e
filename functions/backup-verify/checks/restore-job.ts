import { type CreatedScratch, runAssertions, scratchDatabaseAs } from '../../../shared/adapters/databases/index.js';
import { entryOf } from '../../../shared/core/config/index.js';
import { BadInputError, errorMessage } from '../../../shared/core/errors/index.js';
import {
  type Context,
  type JobResult,
  type JobRunner,
  jobOutcome,
  type RunResult,
} from '../../../shared/core/run/index.js';
import type { StateStore } from '../../../shared/core/state/index.js';
import type { RestoreTest } from '../config.js';
import { type BackupResult, type Check, check } from '../types.js';
import { backupVerdict } from '../verdict.js';
import type { Candidate } from './object-listing.js';
import { dropGuarded, settleDrop } from './scratch-guard.js';

/** A restore test's load running as a job, as the state store keeps it until a later invocation ends it. */
interface RestoreJobRecord {
  execution: string;
  jobId: string;
  database: string;
  engine: 'postgres' | 'mysql';
  loader?: string;
  dump: string;
  startedAt: string;
  deadline: string;
}

/** The state key remembering a backup's last successful restore. */
export const restoreStateKey = (backup: string) => `backupVerify:restore:${backup}`;

/** What starting a restore job needs from the run. */
export interface RestoreJobDeps {
  runId: string;
  backupName: string;
  state: Pick<StateStore, 'put'>;
  jobs: JobRunner;
  continueJob(backup: string): Promise<void>;
}

/** Where a backup's running restore job is recorded. */
export const restoreJobKey = (backup: string) => `backupVerify:restore-job:${backup}`;

const POLL_MS = 10_000;

/**
 * Starts the load of `newest` into `db` as a job and hands the rest of the restore test (assertions, drop,
 * notification) to a later invocation; the check says where the load runs.
 */
export async function startRestoreJob(
  deps: RestoreJobDeps,
  test: RestoreTest,
  newest: Candidate,
  db: CreatedScratch,
  info: Pick<RestoreJobRecord, 'engine' | 'startedAt' | 'deadline'>,
): Promise<Check[]> {
  const jobId = `${deps.runId}-${deps.backupName}`.replace(/[^A-Za-z0-9:._-]/g, '_').slice(0, 200);
  const execution = await deps.jobs.start(jobId, {
    kind: 'restore-load',
    store: ['backups', deps.backupName],
    key: newest.info.key,
    scratch: ['backups', deps.backupName, 'restoreTest', 'scratch'],
    database: db.name,
    ...(db.loader === undefined ? {} : { loader: db.loader }),
    timeoutMs: test.timeout,
    idleTimeoutMs: test.idleTimeout,
    stripOwnership: test.noOwner,
  });
  const record: RestoreJobRecord = {
    execution: execution.name,
    jobId,
    database: db.name,
    ...info,
    ...(db.loader === undefined ? {} : { loader: db.loader }),
    dump: newest.info.key,
  };
  await deps.state.put(restoreJobKey(deps.backupName), record, test.timeout + 86_400_000);
  await deps.continueJob(deps.backupName);
  const detail = `${newest.name} is loading into ${db.name} as job execution ${execution.name}; a later invocation reports it`;
  return [
    check('restore', 'skipped', detail, { execution: execution.name, database: db.name }),
    ...test.assertions.map((a) => check('assertion', 'skipped', `${a.name ?? a.sql}: runs once the load has`)),
  ];
}

/**
 * A later invocation of a restore test whose load runs as a job: polls it within this invocation's budget and
 * hands over again while it runs; once it has ended, asserts on the copy, drops it and records the restore.
 */
export async function finishRestoreJob(
  ctx: Context,
  backup: string,
  report: (results: BackupResult[]) => Promise<RunResult<BackupResult>>,
): Promise<RunResult<BackupResult>> {
  if (ctx.trigger.kind !== 'scheduled' || !ctx.trigger.job.startsWith('continue:')) {
    throw new BadInputError('restoreJob: only a continuation of a restore test may name one');
  }
  const entry = entryOf(ctx.config.backups, backup);
  const record = await ctx.state.get<RestoreJobRecord>(restoreJobKey(backup));
  if (!record || entry?.kind !== 'object-store' || !entry.restoreTest) {
    return { outcome: 'skipped', summary: `no restore job of ${backup} is waiting` };
  }
  if (!ctx.jobs)
    throw new BadInputError(`the load of ${backup} runs as job ${record.execution}; this process has no job runner`);
  const jobs = ctx.jobs;
  const look = async () => jobOutcome(ctx.state, await jobs.get(record.execution), record.jobId);
  const dead = ctx.trigger.deadLettered;
  let outcome: JobResult | undefined;
  if (dead) {
    // Every delivery of this poll failed: one last look, and a verdict either way, never a restore left unread.
    outcome = await look().catch((error: unknown) => ({
      status: 'fail' as const,
      detail: `job execution ${record.execution} could not be read: ${errorMessage(error)}`,
    }));
    outcome ??= {
      status: 'fail',
      detail: `job execution ${record.execution} was still loading when its polls were dead-lettered after ${dead.deliveries} deliveries; its result is not read`,
    };
  } else {
    const until = Math.min(ctx.now().getTime() + ctx.config.limits.timeout * 0.6, Date.parse(record.deadline));
    for (;;) {
      outcome = await look();
      if (outcome || ctx.now().getTime() + POLL_MS > until || ctx.signal.aborted) break;
      await new Promise((wait) => setTimeout(wait, POLL_MS));
    }
    if (!outcome && Date.parse(record.deadline) <= ctx.now().getTime() + POLL_MS) {
      outcome = {
        status: 'fail',
        detail: `job execution ${record.execution} still loading past its deadline ${record.deadline}`,
      };
    }
  }
  if (!outcome) {
    await ctx.continue(`restore-job:${backup}`, { restoreJob: backup });
    return {
      outcome: 'ok',
      accepted: true,
      summary: `restore test of ${backup}: job execution ${record.execution} still loading`,
    };
  }
  const test = entry.restoreTest;
  const ref = 'postgres' in test.scratch ? test.scratch.postgres : test.scratch.mysql;
  const server = { engine: record.engine, url: typeof ref === 'string' ? ref : await ctx.secret(ref) };
  let checks: Check[];
  if (outcome.status === 'ok') {
    const db = scratchDatabaseAs(server, record.database, record.loader);
    const results = await runAssertions(db, test.assertions, { timeoutMs: 60_000 });
    checks = [
      check('restore', 'ok', outcome.detail, outcome.data),
      ...results.map((r) => check('assertion', r.status, `${r.name}: ${r.detail}`, { value: r.value })),
    ];
  } else {
    checks = [
      check('restore', 'fail', outcome.detail, { database: record.database }),
      ...test.assertions.map((a) => check('assertion', 'skipped', `${a.name ?? a.sql}: not run, the load failed`)),
    ];
  }
  const evidence = { backup, dump: record.dump, deadline: record.deadline, execution: record.execution };
  checks = settleDrop(checks, await dropGuarded(ctx.act, server, record.database, evidence), record.database);
  if (checks.every((c) => c.status === 'ok')) {
    await ctx.state.put(restoreStateKey(backup), { at: record.startedAt, key: record.dump });
  }
  await ctx.state.delete(restoreJobKey(backup));
  return report([{ backup, kind: 'object-store', status: backupVerdict(checks), checks }]);
}
