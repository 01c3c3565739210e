import type { BackupResult, Check, Verdict } from './types.js';

/** A backup's verdict from its checks: any `fail` fails it, any `warn` warns; skipped checks count for nothing. */
export function backupVerdict(checks: readonly Check[]): Verdict {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'warn')) return 'warn';
  return 'ok';
}

/** The run's outcome: the worst backup verdict, `skipped` when there was nothing to verify. */
export function runOutcome(results: readonly BackupResult[]): 'ok' | 'warn' | 'fail' | 'skipped' {
  if (results.length === 0) return 'skipped';
  if (results.some((r) => r.status === 'fail')) return 'fail';
  if (results.some((r) => r.status === 'warn')) return 'warn';
  return 'ok';
}

/** Whether a backup's verification was cut short by time (its own timeout, or the run's time running out). */
export const unfinished = (result: BackupResult): boolean => result.checks.some((c) => c.data?.unfinished === true);

/**
 * One line an on-call engineer reads first: counts, then each backup that is not ok with its failing checks, then
 * the backups not finished in time (a fail that says nothing yet about the backup itself).
 */
export function runSummary(results: readonly BackupResult[]): string {
  if (results.length === 0) return 'no backups configured';
  const count = (v: Verdict) => results.filter((r) => r.status === v).length;
  const head = `${results.length} backup(s): ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`;
  const bad = results
    .filter((r) => r.status !== 'ok')
    .map((r) => {
      const names = [...new Set(r.checks.filter((c) => c.status === r.status).map((c) => c.name))];
      return `${r.backup} ${r.status} (${names.join(', ')})`;
    });
  const late = results.filter(unfinished).map((r) => r.backup);
  const tail = late.length === 0 ? '' : `; not finished in time: ${late.join(', ')}`;
  return bad.length === 0 ? head : `${head}; ${bad.join('; ')}${tail}`;
}

/** The notification text for one backup that is not ok: each failing or warning check with its detail. */
export function describeProblems(result: BackupResult): string {
  return result.checks
    .filter((c) => c.status === 'fail' || c.status === 'warn')
    .map((c) => `${c.status.toUpperCase()} ${c.name}: ${c.detail}`)
    .join('\n');
}
