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
import { type BackupResult, type Check, check } from './types.js';
import { backupVerdict } from './verdict.js';

/** Everything verifying one backup needs: adapters come in here, so tests hand in fakes or local services. */
export interface VerifyDeps {
  config: Estate;
  runId: string;
  now: () => number;
  signal: AbortSignal;
  state: Pick<StateStore, 'get' | 'put' | 'delete'>;
  secret(ref: SecretRef): Promise<string>;
  openStore(url: string, options: OpenObjectStoreOptions): Promise<OpenedStore>;
  sqlAdmin(timeoutMs: number): Promise<SqlAdminClient>;
  redisInfo(url: string, timeoutMs: number): Promise<string>;
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
    const client = await deps.sqlAdmin(backup.timeout);
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
    text = await deps.redisInfo(url, backup.timeout);
  } catch (error) {
    return [check('access', 'fail', errorMessage(error))];
  }
  return decideRedis(parseInfo(text), backup, deps.now());
}

function formatOf(checks: Check[]): { format?: string } {
  const format = checks.find((c) => c.name === 'completeness')?.data?.format;
  return typeof format === 'string' ? { format } : {};
}
