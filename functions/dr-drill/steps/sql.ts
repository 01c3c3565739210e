import type { StepRecord } from '../model.js';
import { resourceName } from '../naming.js';
import { awaitCreated, startCreate } from './create-adopt.js';
import { pollStored, remember } from './pending.js';
import {
  type CloneStep,
  copyResult,
  labelsOf,
  pitrRefusal,
  type RestoreBackupStep,
  relabelCopy,
  sourceOf,
  sqlClient,
  sqlWatch,
} from './sql-copy.js';
import type { StepEnv, StepResult } from './types.js';

/**
 * `sql.clone`: `instances.clone` into `opsfn-drill-<id>-<name>`, optionally to `pointInTime` before now (the
 * source's PITR checked first), polled across invocations; then the drill's labels replace the source's.
 */
export async function runSqlClone(env: StepEnv, step: CloneStep, record: StepRecord): Promise<StepResult> {
  const { project, instance } = sourceOf(env, step);
  const target = resourceName('cloud-sql', env.drill.id, step.name);
  const sql = await sqlClient(env, step);
  const create = { target, key: 'operation' };
  if (record.data?.operation === undefined && record.data?.adoptFrom === undefined) {
    let pointInTime: string | undefined;
    if (step.pointInTime !== undefined) {
      const from = await sql.getInstance(project, instance);
      const refusal = from ? pitrRefusal(from, step.pointInTime) : `source instance ${project}/${instance} not found`;
      if (refusal) return { status: 'fail', detail: `not cloned: ${refusal}` };
      pointInTime = new Date(env.ctx.now().getTime() - step.pointInTime).toISOString();
    }
    const notMade = await startCreate(env, record, {
      ...create,
      action: 'drill.create-cloud-sql',
      resource: { kind: 'cloud-sql', name: target, project },
      call: () => sql.clone(project, instance, target, pointInTime),
      evidence: { drill: env.drill.id, source: `${project}/${instance}`, pointInTime },
      data: { pointInTime },
    });
    if (notMade) return { status: 'fail', detail: `clone into ${target} was ${notMade}` };
  }
  const polled = await awaitCreated(env, record, create, sqlWatch(sql, project, target, step));
  if (polled.state === 'pending') return { status: 'pending', detail: `cloning ${project}/${instance} into ${target}` };
  if (polled.state === 'failed') return { status: 'fail', detail: `clone into ${target} failed: ${polled.error}` };
  const relabelled = await relabelCopy(env, sql, record, project, target, step.pollInterval);
  if (relabelled.state === 'pending') return { status: 'pending', detail: `labelling ${target}` };
  if (relabelled.state === 'failed') {
    return { status: 'fail', detail: `${target} keeps the source's labels, not the drill's: ${relabelled.error}` };
  }
  const at = typeof record.data?.pointInTime === 'string' ? record.data.pointInTime : undefined;
  const dataAt = at ?? record.startedAt;
  const detail = `${project}/${instance} cloned into ${target}${at ? ` at ${at}` : ''}`;
  return copyResult(env, step, sql, project, target, dataAt, detail);
}

/** `sql.restoreBackup`: a scratch instance like the source, then the latest SUCCESSFUL backup run restored into it. */
export async function runSqlRestoreBackup(
  env: StepEnv,
  step: RestoreBackupStep,
  record: StepRecord,
): Promise<StepResult> {
  const { project, instance } = sourceOf(env, step);
  const target = resourceName('cloud-sql', env.drill.id, step.name);
  const sql = await sqlClient(env, step);
  if (record.data?.backupRun === undefined) {
    const run = await sql.latestSuccessfulBackup(project, instance);
    if (!run) return { status: 'fail', detail: `no SUCCESSFUL backup run of ${project}/${instance}` };
    await remember(env, record, { backupRun: run.id, backupTakenAt: run.startTime ?? run.endTime });
  }
  const create = { target, key: 'insertOperation' };
  if (record.data?.insertOperation === undefined && record.data?.adoptFrom === undefined) {
    const like = await sql.getInstance(project, instance);
    if (!like) return { status: 'fail', detail: `source instance ${project}/${instance} not found` };
    const network = step.network ?? like.network;
    if (step.connect?.ipType === 'PRIVATE' && network === undefined) {
      return {
        status: 'fail',
        detail: `not created: ${project}/${instance} is on no VPC, so a copy would have no PRIVATE address; set network or connect.ipType: PRIMARY`,
      };
    }
    const notMade = await startCreate(env, record, {
      ...create,
      action: 'drill.create-cloud-sql',
      resource: { kind: 'cloud-sql', name: target, project },
      call: () => sql.insertInstance(project, like, target, { tier: step.tier, network, labels: labelsOf(env) }),
      evidence: { drill: env.drill.id, like: `${project}/${instance}`, tier: step.tier ?? like.tier, network },
    });
    if (notMade) return { status: 'fail', detail: `creating ${target} was ${notMade}` };
  }
  const inserted = await awaitCreated(env, record, create, sqlWatch(sql, project, target, step));
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
