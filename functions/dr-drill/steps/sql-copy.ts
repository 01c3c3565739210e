import { entryOf } from '../../../shared/core/config/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { CloudSqlDrill, SqlInstance } from '../adapters/cloud-sql.js';
import type { SqlCloneStepSchema, SqlRestoreBackupStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import { assertDrillResource, drillLabels, expiryFrom } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { connectToCopy, recoveredAt } from './copy.js';
import type { Sighting, Watch } from './create-adopt.js';
import { pollStored, remember } from './pending.js';
import { message, type StepEnv, type StepResult } from './types.js';

/** A `sql.clone` step as the plan holds it. */
export type CloneStep = z.infer<typeof SqlCloneStepSchema> & NamedStep;
/** A `sql.restoreBackup` step as the plan holds it. */
export type RestoreBackupStep = z.infer<typeof SqlRestoreBackupStepSchema> & NamedStep;

const DAY = 86_400_000;

/** The Cloud SQL instance a step copies: its `databases` entry, or `project` + `instance`. */
export function sourceOf(env: StepEnv, step: CloneStep | RestoreBackupStep): { project: string; instance: string } {
  if (step.database !== undefined) {
    const db = entryOf(env.ctx.config.databases, step.database);
    if (db?.kind === 'cloud-sql') return { project: db.project, instance: db.instance };
  }
  return { project: step.project ?? '', instance: step.instance ?? '' };
}

/** How a Cloud SQL instance a step creates stands, by its `state`. */
export async function sqlSighting(sql: CloudSqlDrill, project: string, name: string): Promise<Sighting> {
  const copy = await sql.getInstance(project, name);
  if (!copy) return 'absent';
  if (copy.state === 'FAILED') return { failed: `${name} is FAILED` };
  return copy.state === 'PENDING_CREATE' ? 'creating' : 'ready';
}

/** How a step follows the instance it creates (see `awaitCreated`). */
export const sqlWatch = (
  sql: CloudSqlDrill,
  project: string,
  target: string,
  step: { pollInterval: number; timeout: number },
): Watch => ({
  operation: (name) => sql.operation(project, name),
  look: () => sqlSighting(sql, project, target),
  intervalMs: step.pollInterval,
  timeoutMs: step.timeout,
});

/** The SQL Admin client of a step, each call bounded by the step's timeout (at most a minute). */
export const sqlClient = (env: StepEnv, step: CloneStep | RestoreBackupStep) =>
  env.ports.cloudSql(env.ctx.config.endpoints.sqladmin, Math.min(step.timeout, 60_000), env.ctx.signal);

/** The labels of the drill's resources: its id and its expiry. */
export const labelsOf = (env: StepEnv) =>
  drillLabels(env.drill.id, expiryFrom(env.ctx.now(), env.drill.definition.ttl));

/**
 * Why the source cannot be recovered to `agoMs` before now, checked before anything is created: point-in-time
 * recovery needs binary logs (MySQL) or PITR (PostgreSQL, SQL Server), and a time within the log retention.
 */
export function pitrRefusal(source: SqlInstance, agoMs: number): string | undefined {
  const where = `source ${source.name}`;
  if (!source.pitr.enabled) {
    const what = source.databaseVersion?.startsWith('MYSQL') ? 'binary logging' : 'point-in-time recovery';
    return `${where} has no ${what} enabled, so it cannot be cloned to a point in time`;
  }
  if (agoMs > source.pitr.retentionDays * DAY) {
    return `${where} keeps ${source.pitr.retentionDays} day(s) of logs, fewer than pointInTime reaches back`;
  }
  return undefined;
}

/**
 * Makes the drill's labels the copy's only labels, turns its deletion protection off, and checks both: a clone
 * keeps the source's labels and protection, and a copy labelled like production must neither pass for it nor
 * escape the janitor, nor refuse the delete that cleans it up. Only the drill's own, just-created instance is
 * patched, outside the guard, so this spends no action budget.
 */
export async function relabelCopy(
  env: StepEnv,
  sql: CloudSqlDrill,
  record: StepRecord,
  project: string,
  target: string,
  intervalMs: number,
): Promise<{ state: 'done' | 'pending' } | { state: 'failed'; error: string }> {
  const wanted = labelsOf(env);
  assertDrillResource('cloud-sql', target, env.drill.id);
  try {
    if (record.data?.labelOperation === undefined) {
      const copy = await sql.getInstance(project, target);
      if (!copy) return { state: 'failed', error: `${target} is not there to label` };
      await remember(env, record, { labelOperation: (await sql.claimCopy(project, copy, wanted)).name });
    }
    const polled = await pollStored(env, record, 'labelOperation', intervalMs, (name) => sql.operation(project, name));
    if (polled.state !== 'done') return polled;
    const copy = await sql.getInstance(project, target);
    const labels = copy?.labels ?? {};
    const same = JSON.stringify(Object.entries(labels).sort()) === JSON.stringify(Object.entries(wanted).sort());
    if (!same) return { state: 'failed', error: `its labels are ${JSON.stringify(labels)}` };
    return copy?.deletionProtection
      ? { state: 'failed', error: 'its deletion protection is still on' }
      : { state: 'done' };
  } catch (error) {
    return { state: 'failed', error: message(error) };
  }
}

/**
 * The result of a finished Cloud SQL copy. With `connect`, the copy's address of `connect.ipType` is
 * looked up and recorded (for `db.assert`) and the heartbeat read from it; a copy without such an
 * address, or of another engine than `connect` names, fails the step.
 */
export async function copyResult(
  env: StepEnv,
  step: CloneStep | RestoreBackupStep,
  sql: CloudSqlDrill,
  project: string,
  target: string,
  dataAt: string | undefined,
  detail: string,
): Promise<StepResult> {
  if (!step.connect) return { status: 'ok', detail, data: { recoveredDataAt: dataAt, rpoSource: 'backup' } };
  const ipType = step.connect.ipType;
  const copy = await sql.getInstance(project, target);
  const address = copy?.addresses.find((a) => a.type === ipType)?.ip;
  if (!copy || address === undefined) {
    const has = copy?.addresses.map((a) => `${a.type} ${a.ip}`).join(', ') || 'none';
    return {
      status: 'fail',
      detail: `${detail}, but ${target} has no ${ipType} address to connect to (it has: ${has}); set connect.ipType`,
    };
  }
  try {
    const db = await connectToCopy(env, step.connect, address);
    const version = copy.databaseVersion ?? '';
    if (version !== '' && !version.startsWith(db.engine === 'postgres' ? 'POSTGRES' : 'MYSQL'))
      return { status: 'fail', detail: `${detail}, but connect names ${db.engine} and ${target} runs ${version}` };
    const read = await recoveredAt(env, db, dataAt, `${detail}; reachable at ${ipType} ${address}`);
    return { status: 'ok', detail: read.detail, data: { address, database: db.name, ...read.data } };
  } catch (error) {
    return { status: 'fail', detail: `${detail}, but its connect settings are unusable: ${message(error)}` };
  }
}
