import { checkRestoreClient, type Engine, scratchDatabaseName } from '../../../shared/adapters/databases/index.js';
import type { ObjectStore } from '../../../shared/adapters/storage/index.js';
import type { SecretRef } from '../../../shared/core/config/index.js';
import { errorMessage as message } from '../../../shared/core/errors/index.js';
import type { Act } from '../../../shared/core/guard/index.js';
import { type JobRunner, runsAsJob } from '../../../shared/core/run/index.js';
import type { StateStore } from '../../../shared/core/state/index.js';
import type { ObjectStoreBackup, RestoreTest } from '../config.js';
import { abortCause } from '../run-budget.js';
import { type Check, check } from '../types.js';
import type { Candidate } from './object-listing.js';
import { restoreJobKey, restoreStateKey, startRestoreJob } from './restore-job.js';
import { loadAndAssert } from './restore-load.js';
import { createGuarded, dropGuarded, settleDrop } from './scratch-guard.js';

/** What a restore test needs from the run. */
export interface RestoreDeps {
  runId: string;
  backupName: string;
  nowMs: () => number;
  /** Restore even when the last one is younger than `restoreEvery`. */
  force: boolean;
  /** The dump format the verify pass saw (`pg_dump`, `mysqldump`, `pg_custom`, `unknown`), when it saw one. */
  format?: string;
  /** The run's own bound (`limits.timeout`): no restore outlives it. */
  runTimeoutMs: number;
  state: Pick<StateStore, 'get' | 'put' | 'delete'>;
  secret(ref: SecretRef): Promise<string>;
  /** The run's guard: every scratch database is created and dropped through it. */
  act: Act;
  signal: AbortSignal;
  /** Where a load longer than the run goes (`ctx.jobs`), and how the run hands its end to a later invocation. */
  jobs?: JobRunner | undefined;
  continueJob?(backup: string): Promise<void>;
}

interface LastRestore {
  at: string;
  key: string;
}

export { restoreStateKey } from './restore-job.js';

/** What a restore test reads of a load running as a job (its record is restore-job.ts's). */
interface LoadingJob {
  execution: string;
  database: string;
  dump: string;
  startedAt: string;
  deadline: string;
}

/** After the load: a minute per assertion, two for row statistics, one for the drop, five to spare. */
const afterLoadMs = (assertions: number) => (assertions + 8) * 60_000;

/** `restore` and one `assertion` check per assertion: the newest dump streamed into a fresh scratch database. */
export async function restoreTestChecks(
  backup: ObjectStoreBackup & { restoreTest: RestoreTest },
  store: ObjectStore,
  newest: Candidate,
  deps: RestoreDeps,
): Promise<Check[]> {
  const test = backup.restoreTest;
  const notes: string[] = [];
  let last: LastRestore | undefined;
  try {
    last = await deps.state.get<LastRestore>(restoreStateKey(deps.backupName));
  } catch (error) {
    // Without the record a restore runs now: more work, never a missed test.
    notes.push(`last restore unknown (state: ${message(error)})`);
  }
  const started = deps.nowMs();
  // A load still running as a job records its test only when it ends: until its deadline it is the restore.
  const loading = await deps.state.get<LoadingJob>(restoreJobKey(deps.backupName)).catch(() => undefined);
  if (loading && Date.parse(loading.deadline) > started) {
    const detail = `${loading.dump} is still loading as job execution ${loading.execution} since ${loading.startedAt}; nothing else started`;
    return [check('restore', 'skipped', detail, { execution: loading.execution, database: loading.database })];
  }
  if (!deps.force && last && started - Date.parse(last.at) < test.restoreEvery) {
    const due = new Date(Date.parse(last.at) + test.restoreEvery).toISOString();
    return [check('restore', 'skipped', `last restore ${last.at} of ${last.key}; next due ${due}`, { nextDue: due })];
  }
  const engine: Engine = 'postgres' in test.scratch ? 'postgres' : 'mysql';
  const wanted = engine === 'postgres' ? 'pg_dump' : 'mysqldump';
  // A dump recognised as another format would fail on its first line anyway; saying why is kinder at 3 a.m.
  // An unrecognised one (say pg_dump --no-comments) is still tried.
  if (deps.format !== undefined && deps.format !== 'unknown' && deps.format !== wanted) {
    const detail = `${newest.name} is a ${deps.format} dump; a ${engine} scratch server restores plain ${wanted} output only`;
    return [check('restore', 'fail', detail)];
  }
  const skipped = (why: string) =>
    test.assertions.map((a) => check('assertion', 'skipped', `${a.name ?? a.sql}: not run, ${why}`));
  const ref = 'postgres' in test.scratch ? test.scratch.postgres : test.scratch.mysql;
  const asJob = runsAsJob(deps.jobs, test.timeout, deps.runTimeoutMs) && deps.continueJob !== undefined;
  let url: string;
  try {
    url = typeof ref === 'string' ? ref : await deps.secret(ref);
    // Before anything exists: a client that cannot be restricted never gets a dump. A job in an image of
    // its own checks the client there, before it reads the dump.
    if (!(asJob && deps.jobs?.remote)) await checkRestoreClient(engine);
  } catch (error) {
    return [check('restore', 'fail', message(error)), ...skipped('the restore could not start')];
  }
  const loadMs = asJob ? test.timeout : Math.min(test.timeout, deps.runTimeoutMs);
  const deadline = started + loadMs + afterLoadMs(test.assertions.length);
  const name = scratchDatabaseName(deps.runId, deps.backupName, deadline);
  const server = { engine, url };
  const evidence = { backup: deps.backupName, dump: newest.info.key, deadline: new Date(deadline).toISOString() };
  const created = await createGuarded(deps.act, server, name, evidence);
  if (created.status !== 'created') {
    const status = created.status === 'failed' ? 'fail' : created.status === 'warn' ? 'warn' : 'skipped';
    const detail =
      created.status === 'dry-run' ? `dry-run: a restore of ${newest.name} is due; nothing created` : created.detail;
    return [check('restore', status, detail, { database: name }), ...skipped('no scratch database')];
  }
  if (asJob && deps.jobs && deps.continueJob) {
    try {
      return await startRestoreJob(
        { ...deps, jobs: deps.jobs, continueJob: deps.continueJob },
        test,
        newest,
        created.db,
        {
          engine,
          startedAt: new Date(started).toISOString(),
          deadline: new Date(deadline).toISOString(),
        },
      );
    } catch (error) {
      // A load that could not be handed over has nobody to finish it: its copy goes now, not hours later when
      // the leftover sweep finds it past its deadline (a job that did start then fails on the missing database).
      await deps.state.delete(restoreJobKey(deps.backupName)).catch(() => undefined);
      const failed = [
        check('restore', 'fail', `the restore job could not be started: ${message(error)}`, { database: name }),
        ...skipped('the restore job did not start'),
      ];
      return settleDrop(failed, await dropGuarded(deps.act, server, name, evidence), name);
    }
  }
  let checks: Check[];
  try {
    checks = await loadAndAssert(created.db, store, newest, test, deps.signal);
  } catch (error) {
    // Stopped by the run's time for verifying running out: a restore not finished in time, as the summary says.
    const late = deps.signal.aborted && abortCause(deps.signal.reason, test.timeout).late;
    checks = [
      check('restore', 'fail', message(error), { database: name, ...(late ? { unfinished: true } : {}) }),
      ...skipped('the restore failed'),
    ];
  }
  checks = settleDrop(checks, await dropGuarded(deps.act, server, name, evidence), name);
  if (checks.every((c) => c.status === 'ok')) {
    try {
      await deps.state.put(restoreStateKey(deps.backupName), {
        at: new Date(started).toISOString(),
        key: newest.info.key,
      });
    } catch (error) {
      notes.push(`not recorded, the next run restores again (state: ${message(error)})`);
    }
  }
  const [restore, ...rest] = checks;
  return restore && notes.length > 0
    ? [{ ...restore, detail: `${restore.detail}; ${notes.join('; ')}` }, ...rest]
    : checks;
}
