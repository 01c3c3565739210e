import type { BackupRun, InstanceSettings } from '../adapters/sqladmin-client.js';
import type { CloudSqlBackup } from '../config.js';
import { type Check, check } from '../types.js';

const PROBLEM = new Set(['FAILED', 'OVERDUE', 'SKIPPED']);

const runTime = (run: BackupRun) =>
  Date.parse(run.endTime ?? run.startTime ?? run.enqueuedTime ?? run.windowStartTime ?? '');

/** Enough runs listed: the retention count is reached among successful runs. */
export function enoughRuns(minCount: number): (runs: BackupRun[]) => boolean {
  return (runs) => runs.filter((r) => r.status === 'SUCCESSFUL').length >= minCount;
}

/** `status`, `freshness`, `retention` and `pitr` of a Cloud SQL instance, from its runs and settings; pure. */
export function decideCloudSql(
  runs: readonly BackupRun[],
  instance: InstanceSettings,
  backup: CloudSqlBackup,
  nowMs: number,
): Check[] {
  const ordered = [...runs].sort(
    (a, b) => (Date.parse(b.enqueuedTime ?? '') || runTime(b)) - (Date.parse(a.enqueuedTime ?? '') || runTime(a)),
  );
  const successes = ordered.filter((r) => r.status === 'SUCCESSFUL');
  const last = successes[0];
  const lastIndex = last ? ordered.indexOf(last) : ordered.length;
  const problems = ordered.slice(0, lastIndex).filter((r) => PROBLEM.has(r.status ?? ''));
  return [
    statusCheck(problems, instance),
    freshnessCheck(last, backup.rpo, nowMs),
    retentionCheck(successes.length, backup.minCount, instance),
    pitrCheck(instance, backup.pitr),
  ];
}

function statusCheck(problems: BackupRun[], instance: InstanceSettings): Check {
  if (instance.backupEnabled === false)
    return check('status', 'fail', 'automated backups are disabled on the instance');
  if (problems.length === 0) return check('status', 'ok', 'no failed, overdue or skipped run since the last success');
  const listed = problems
    .slice(0, 5)
    .map((r) =>
      `${r.status} ${r.enqueuedTime ?? r.windowStartTime ?? r.id ?? ''}${r.error?.message ? ` (${r.error.message})` : ''}`.trim(),
    );
  const data = {
    problems: problems.map((r) => ({ id: r.id, status: r.status, at: r.enqueuedTime, error: r.error?.message })),
  };
  const failed = problems.some((r) => r.status === 'FAILED');
  return check(
    'status',
    failed ? 'fail' : 'warn',
    `${problems.length} run(s) since the last success: ${listed.join('; ')}`,
    data,
  );
}

function freshnessCheck(last: BackupRun | undefined, rpoMs: number, nowMs: number): Check {
  if (!last) return check('freshness', 'fail', 'no SUCCESSFUL backup run listed');
  const ended = runTime(last);
  if (Number.isNaN(ended)) return check('freshness', 'fail', `last successful run ${last.id ?? ''} has no end time`);
  const ageH = (nowMs - ended) / 3_600_000;
  const data = { ageHours: Math.round(ageH * 10) / 10, endTime: last.endTime, id: last.id, type: last.type };
  const text =
    `last successful ${last.type?.toLowerCase() ?? ''} run ended ${ageH.toFixed(1)}h ago (${last.endTime})`.replace(
      '  ',
      ' ',
    );
  if (nowMs - ended > rpoMs) return check('freshness', 'fail', `${text}, over the RPO of ${rpoMs / 3_600_000}h`, data);
  return check('freshness', 'ok', text, data);
}

function retentionCheck(count: number, minCount: number, instance: InstanceSettings): Check {
  const configured = instance.retainedBackups === undefined ? '' : ` (instance retains ${instance.retainedBackups})`;
  const data = { successful: count, minCount, retainedBackups: instance.retainedBackups };
  if (count < minCount)
    return check(
      'retention',
      'fail',
      `${count} successful backups retained, fewer than ${minCount}${configured}`,
      data,
    );
  return check('retention', 'ok', `at least ${minCount} successful backups retained${configured}`, data);
}

function pitrCheck(instance: InstanceSettings, required: boolean): Check {
  const version = instance.databaseVersion ?? 'unknown';
  const mysql = version.startsWith('MYSQL');
  const enabled = mysql ? instance.binaryLogEnabled === true : instance.pointInTimeRecoveryEnabled === true;
  const what = mysql ? 'binary logging (point-in-time recovery)' : 'point-in-time recovery';
  const days =
    instance.transactionLogRetentionDays === undefined
      ? ''
      : `, logs kept ${instance.transactionLogRetentionDays} days`;
  const data = { databaseVersion: version, enabled };
  if (enabled) return check('pitr', 'ok', `${what} enabled${days}`, data);
  if (!required) return check('pitr', 'skipped', `${what} disabled, not required (pitr: false)`, data);
  return check('pitr', 'fail', `${what} disabled on ${version}`, data);
}
