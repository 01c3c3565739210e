import type { ScratchServer } from '../../shared/adapters/databases/index.js';
import type { OpenedStore, OpenObjectStoreOptions } from '../../shared/adapters/storage/index.js';
import type { Estate, SecretRef } from '../../shared/core/config/index.js';
import { entryOf } from '../../shared/core/config/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Act } from '../../shared/core/guard/index.js';
import type { JobRunner } from '../../shared/core/run/index.js';
import type { StateStore } from '../../shared/core/state/index.js';
import type { SqlAdminClient } from './adapters/sqladmin-client.js';
import { decideCloudSql, enoughRuns } from './checks/cloud-sql.js';
import { verifyObjectStore } from './checks/object-store.js';
import { decideRedis, parseInfo } from './checks/redis.js';
import { restoreTestChecks } from './checks/restore-test.js';
import type { Backup, CloudSqlBackup } from './config.js';
import { abortCause, type RunBudget } from './run-budget.js';
import { type BackupResult, type Check, check } from './types.js';
import { backupVerdict } from './verdict.js';

/** Everything verifying one backup needs: adapters come in here, so tests hand in fakes or local services. */
export interface VerifyDeps {
  config: Estate;
  runId: string;
  now: () => number;
  /** Aborts when the run ends, or when its time for verifying is spent (`budget`): every backup's work stops then. */
  signal: AbortSignal;
  /** The run's time for verifying, when it has a bound (a run of the runtime always has: `limits.timeout`). */
  budget?: Pick<RunBudget, 'leftMs' | 'runLeftMs'> | undefined;
  state: Pick<StateStore, 'get' | 'put' | 'delete'>;
  secret(ref: SecretRef): Promise<string>;
  openStore(url: string, options: OpenObjectStoreOptions): Promise<OpenedStore>;
  sqlAdmin(timeoutMs: number): Promise<SqlAdminClient>;
  /** `INFO persistence` and `INFO replication`; with `resample`, replication twice (see `readPersistenceInfo`). */
  redisInfo(url: string, timeoutMs: number, resample?: boolean): Promise<string>;
  /** A scratch server's own clock, which the sweep asks as well as the run's. */
  scratchClock(server: ScratchServer): Promise<number>;
  /** Restore tests run whatever `restoreEvery` says. */
  forceRestore: boolean;
  /** The run's guard: scratch databases are created and dropped through it (dry-run included). */
  act: Act;
  /** Where a restore's load longer than the run goes, and how the run hands the rest of it on (see `ctx.jobs`). */
  jobs?: JobRunner | undefined;
  continueJob?(backup: string): Promise<void>;
}

/** Verifies one backup; never throws, so one broken backup cannot stop the others. */
export async function verifyBackup(name: string, backup: Backup, deps: VerifyDeps): Promise<BackupResult> {
  let checks: Check[];
  let object: BackupResult['object'];
  // Its turn came after the run's time for verifying ran out (every worker was held by slower backups): not started.
  if (deps.signal.aborted) return notVerified(name, backup, deps.signal.reason);
  try {
    if (backup.kind === 'cloud-sql') checks = await cloudSql(backup, deps);
    else if (backup.kind === 'redis') checks = await redis(backup, deps);
    else {
      const outcome = await verifyObjectStore(backup, {
        open: deps.openStore,
        storeOptions: { endpoints: deps.config.endpoints, secret: deps.secret },
        nowMs: deps.now(),
        timeZone: deps.config.timezone,
        signal: deps.signal,
      });
      checks = outcome.checks;
      const newest = outcome.newest;
      if (newest) {
        const ageHours = Math.round(((deps.now() - newest.takenAt) / 3_600_000) * 10) / 10;
        object = { key: newest.info.key, bytes: newest.info.bytes, ageHours };
      }
      const restoreTest = backup.restoreTest;
      if (restoreTest) {
        if (newest && outcome.store && !checks.some((c) => c.status === 'fail' && c.name === 'integrity')) {
          const restoreDeps = {
            runId: deps.runId,
            backupName: name,
            nowMs: deps.now,
            force: deps.forceRestore,
            ...formatOf(checks),
            runTimeoutMs: deps.config.limits.timeout,
            state: deps.state,
            secret: deps.secret,
            act: deps.act,
            signal: deps.signal,
            jobs: deps.jobs,
            ...(deps.continueJob ? { continueJob: deps.continueJob } : {}),
          };
          checks.push(...(await restoreTestChecks({ ...backup, restoreTest }, outcome.store, newest, restoreDeps)));
        } else {
          checks.push(check('restore', 'skipped', 'not attempted: no readable backup object'));
        }
      }
    }
  } catch (error) {
    checks = [check('internal', 'fail', `verification crashed: ${errorMessage(error)}`)];
  }
  return { backup: name, kind: backup.kind, status: backupVerdict(checks), ...(object ? { object } : {}), checks };
}

async function cloudSql(backup: CloudSqlBackup, deps: VerifyDeps): Promise<Check[]> {
  let project = backup.project;
  let instance = backup.instance;
  if (backup.database !== undefined) {
    const db = entryOf(deps.config.databases, backup.database);
    if (db?.kind !== 'cloud-sql') {
      const why =
        db === undefined
          ? 'no such entry in databases'
          : `databases.${backup.database} is of kind ${db.kind}, not cloud-sql`;
      return [check('status', 'fail', `database "${backup.database}": ${why}`)];
    }
    project = db.project;
    instance = db.instance;
  }
  if (project === undefined || instance === undefined)
    return [check('status', 'fail', 'no project and instance configured')];
  try {
    const client = await deps.sqlAdmin(boundedTimeout(backup.timeout, deps));
    const [runs, settings] = await Promise.all([
      client.listBackupRuns(project, instance, enoughRuns(backup.minCount)),
      client.getInstance(project, instance),
    ]);
    return decideCloudSql(runs, settings, backup, deps.now());
  } catch (error) {
    const detail = `${project}/${instance}: ${errorMessage(error)}`;
    return ['status', 'freshness', 'retention', 'pitr'].map((n, i) =>
      i === 0 ? check(n, 'fail', detail) : check(n, 'skipped', 'not judged: the SQL Admin API call failed'),
    );
  }
}

async function redis(backup: Extract<Backup, { kind: 'redis' }>, deps: VerifyDeps): Promise<Check[]> {
  let text: string;
  try {
    const url = typeof backup.url === 'string' ? backup.url : await deps.secret(backup.url);
    text = await deps.redisInfo(url, boundedTimeout(backup.timeout, deps), backup.managed === 'memorystore');
  } catch (error) {
    return [check('access', 'fail', errorMessage(error))];
  }
  return decideRedis(parseInfo(text), backup, deps.now());
}

/** A backup's own timeout, cut to what is left of the run's time for verifying (at least 1 ms). */
function boundedTimeout(timeoutMs: number, deps: VerifyDeps): number {
  return Math.max(1, Math.min(timeoutMs, deps.budget?.leftMs() ?? timeoutMs));
}

/** The result of a backup whose verification never started: it failed for want of time, not for what it holds. */
function notVerified(name: string, backup: Backup, reason: unknown): BackupResult {
  const { late, why } = abortCause(reason, 0);
  const detail = late ? `not verified: its turn came too late, ${why}` : `not verified: the run was stopped (${why})`;
  return {
    backup: name,
    kind: backup.kind,
    status: 'fail',
    checks: [check('deadline', 'fail', detail, late ? { unfinished: true } : undefined)],
  };
}

function formatOf(checks: Check[]): { format?: string } {
  const format = checks.find((c) => c.name === 'completeness')?.data?.format;
  return typeof format === 'string' ? { format } : {};
}
