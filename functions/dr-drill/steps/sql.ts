import type * as z from 'zod';
import { entryOf } from '../../../shared/config/lookup.js';
import type { SqlCloneStepSchema, SqlRestoreBackupStepSchema } from '../../../shared/config/sections/drills.js';
import type { CloudSqlDrill } from '../adapters/cloud-sql.js';
import type { StepRecord } from '../model.js';
import { assertDrillResource, drillLabels, resourceName } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { connectToCopy, recoveredAt } from './copy.js';
import { pollStored, remember } from './pending.js';
import { message, type StepEnv, type StepResult } from './types.js';

type CloneStep = z.infer<typeof SqlCloneStepSchema> & NamedStep;
type RestoreBackupStep = z.infer<typeof SqlRestoreBackupStepSchema> & NamedStep;

function source(env: StepEnv, step: CloneStep | RestoreBackupStep): { project: string; instance: string } {
  if (step.database !== undefined) {
    const db = entryOf(env.ctx.config.databases, step.database);
    if (db?.kind === 'cloud-sql') return { project: db.project, instance: db.instance };
  }
  return { project: step.project ?? '', instance: step.instance ?? '' };
}

const client = (env: StepEnv, step: CloneStep | RestoreBackupStep) =>
  env.ports.cloudSql(env.ctx.config.endpoints.sqladmin, Math.min(step.timeout, 60_000), env.ctx.signal);

const labels = (env: StepEnv) =>
  drillLabels(env.drill.id, new Date(Date.parse(env.drill.startedAt) + env.drill.definition.ttl));

/** `sql.clone`: `instances.clone` into `opsfn-drill-<id>-<name>` (optionally at a point in time), polled across invocations. */
export async function runSqlClone(env: StepEnv, step: CloneStep, record: StepRecord): Promise<StepResult> {
  const { project, instance } = source(env, step);
  const target = resourceName('cloud-sql', env.drill.id, step.name);
  const sql = await client(env, step);
  if (record.data?.operation === undefined) {
    await env.track({ kind: 'cloud-sql', name: target, project });
    const made = await env.ctx.act(
      'drill.create-cloud-sql',
      target,
      () => sql.clone(project, instance, target, step.pointInTime),
      {
        evidence: { drill: env.drill.id, source: `${project}/${instance}`, pointInTime: step.pointInTime },
      },
    );
    if (made.status !== 'done')
      return {
        status: 'fail',
        detail: `clone into ${target} was ${made.status}${'reason' in made ? `: ${made.reason}` : ''}`,
      };
    await env.created(target);
    await remember(env, record, { operation: made.value.name, instance: target, project });
  }
  const polled = await pollStored(env, record, 'operation', step.pollInterval, (name) => sql.operation(project, name));
  if (polled.state === 'pending') return { status: 'pending', detail: `cloning ${project}/${instance} into ${target}` };
  if (polled.state === 'failed') return { status: 'fail', detail: `clone into ${target} failed: ${polled.error}` };
  // Clones carry no labels of their own; the expiry label lets the janitor find a clone whose record is lost.
  // Only the drill's own, just-created instance is patched; outside the guard so labels spend no action budget.
  assertDrillResource('cloud-sql', target, env.drill.id);
  await sql.setLabels(project, target, labels(env)).catch((error: unknown) => {
    env.ctx.log.warn('could not label the clone; the janitor finds it only through the drill record', {
      target,
      error: String(error),
    });
  });
  const dataAt = step.pointInTime ?? record.startedAt;
  const detail = `${project}/${instance} cloned into ${target}${step.pointInTime ? ` at ${step.pointInTime}` : ''}`;
  return copyResult(env, step, sql, project, target, dataAt, detail);
}

/**
 * The result of a finished Cloud SQL copy. With `connect`, the copy's address of `connect.ipType` is
 * looked up and recorded (for `db.assert`) and the heartbeat read from it; a copy without such an
 * address, or of another engine than `connect` names, fails the step.
 */
async function copyResult(
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

/** `sql.restoreBackup`: a scratch instance like the source, then the latest SUCCESSFUL backup run restored into it. */
export async function runSqlRestoreBackup(
  env: StepEnv,
  step: RestoreBackupStep,
  record: StepRecord,
): Promise<StepResult> {
  const { project, instance } = source(env, step);
  const target = resourceName('cloud-sql', env.drill.id, step.name);
  const sql = await client(env, step);
  if (record.data?.backupRun === undefined) {
    const run = await sql.latestSuccessfulBackup(project, instance);
    if (!run) return { status: 'fail', detail: `no SUCCESSFUL backup run of ${project}/${instance}` };
    await remember(env, record, { backupRun: run.id, backupTakenAt: run.startTime ?? run.endTime });
  }
  if (record.data?.insertOperation === undefined) {
    const like = await sql.getInstance(project, instance);
    if (!like) return { status: 'fail', detail: `source instance ${project}/${instance} not found` };
    await env.track({ kind: 'cloud-sql', name: target, project });
    const made = await env.ctx.act(
      'drill.create-cloud-sql',
      target,
      () => sql.insertInstance(project, like, target, step.tier, labels(env)),
      {
        evidence: { drill: env.drill.id, like: `${project}/${instance}`, tier: step.tier ?? like.tier },
      },
    );
    if (made.status !== 'done')
      return {
        status: 'fail',
        detail: `creating ${target} was ${made.status}${'reason' in made ? `: ${made.reason}` : ''}`,
      };
    await env.created(target);
    await remember(env, record, { insertOperation: made.value.name, instance: target, project });
  }
  const inserted = await pollStored(env, record, 'insertOperation', step.pollInterval, (name) =>
    sql.operation(project, name),
  );
  if (inserted.state === 'pending') return { status: 'pending', detail: `creating scratch instance ${target}` };
  if (inserted.state === 'failed') return { status: 'fail', detail: `creating ${target} failed: ${inserted.error}` };
  if (record.data?.restoreOperation === undefined) {
    const backupRun = String(record.data?.backupRun);
    const made = await env.ctx.act(
      'drill.restore-backup',
      target,
      () => sql.restoreBackup(project, target, instance, backupRun),
      {
        evidence: { drill: env.drill.id, backupRun, source: `${project}/${instance}` },
      },
    );
    if (made.status !== 'done')
      return {
        status: 'fail',
        detail: `restore into ${target} was ${made.status}${'reason' in made ? `: ${made.reason}` : ''}`,
      };
    await remember(env, record, { restoreOperation: made.value.name });
  }
  const restored = await pollStored(env, record, 'restoreOperation', step.pollInterval, (name) =>
    sql.operation(project, name),
  );
  if (restored.state === 'pending')
    return { status: 'pending', detail: `restoring backup ${record.data?.backupRun} into ${target}` };
  if (restored.state === 'failed')
    return { status: 'fail', detail: `restore into ${target} failed: ${restored.error}` };
  const detail = `backup run ${record.data?.backupRun} of ${project}/${instance} restored into ${target}`;
  const takenAt = record.data?.backupTakenAt;
  return copyResult(env, step, sql, project, target, typeof takenAt === 'string' ? takenAt : undefined, detail);
}
