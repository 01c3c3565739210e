import type { Candidate } from '../../../shared/adapters/storage/index.js';
import { localDay } from '../../../shared/core/config/index.js';
import { type Check, check } from '../types.js';

export type { Candidate } from '../../../shared/adapters/storage/index.js';

const DAY = 86_400_000;
/** `freshness`: the newest backup was taken within the RPO. */
export function freshnessCheck(newest: Candidate, nowMs: number, rpoMs: number): Check {
  const ageMs = nowMs - newest.takenAt;
  const age = `${(ageMs / 3_600_000).toFixed(1)}h`;
  const from = newest.source === 'name' ? 'timestamp in name' : 'object time';
  const data = { ageHours: round(ageMs / 3_600_000), takenAt: new Date(newest.takenAt).toISOString() };
  if (ageMs > rpoMs) {
    return check(
      'freshness',
      'fail',
      `newest backup ${newest.name} is ${age} old (${from}), over the RPO of ${rpoMs / 3_600_000}h`,
      data,
    );
  }
  return check('freshness', 'ok', `newest backup ${newest.name} is ${age} old (${from})`, data);
}

/** `size`: at least `minBytes`, and not below `dropPercent` % of the median of the previous 7. */
export function sizeCheck(candidates: readonly Candidate[], minBytes: number, dropPercent: number): Check {
  const [newest, ...rest] = candidates;
  if (!newest) return check('size', 'skipped', 'no backup');
  const bytes = newest.info.bytes;
  if (bytes < minBytes) return check('size', 'fail', `${bytes} bytes, below the minimum of ${minBytes}`, { bytes });
  const previous = rest.slice(0, 7).map((c) => c.info.bytes);
  if (previous.length === 0) return check('size', 'ok', `${bytes} bytes (no earlier backup to compare)`, { bytes });
  const median = medianOf(previous);
  const percent = median === 0 ? 100 : (bytes / median) * 100;
  const data = { bytes, median, percent: round(percent) };
  if (percent < dropPercent) {
    return check(
      'size',
      'fail',
      `${bytes} bytes is ${round(percent)} % of the median ${median} of the previous ${previous.length}, below ${dropPercent} %`,
      data,
    );
  }
  return check(
    'size',
    'ok',
    `${bytes} bytes, ${round(percent)} % of the median of the previous ${previous.length}`,
    data,
  );
}

/** `retention`: nothing older than `retentionDays` left behind, and no day without a backup inside the window. */
export function retentionCheck(
  candidates: readonly Candidate[],
  nowMs: number,
  retentionDays: number | undefined,
  timeZone: string,
): Check {
  if (retentionDays === undefined) return check('retention', 'skipped', 'retentionDays not configured');
  if (candidates.length === 0) return check('retention', 'skipped', 'no backup');
  // One day of grace: the cleanup job usually runs after the check.
  const expired = candidates.filter((c) => c.takenAt < nowMs - (retentionDays + 1) * DAY);
  const days = new Set(candidates.map((c) => localDay(c.takenAt, timeZone)));
  const oldest = Math.min(...candidates.map((c) => c.takenAt));
  const gaps: string[] = [];
  // Today is left to `freshness`; days before the first backup are not gaps.
  for (
    let t = nowMs - DAY;
    t >= nowMs - retentionDays * DAY && localDay(t, timeZone) >= localDay(oldest, timeZone);
    t -= DAY
  ) {
    const day = localDay(t, timeZone);
    if (!days.has(day)) gaps.push(day);
  }
  const problems: string[] = [];
  if (expired.length > 0) {
    problems.push(
      `${expired.length} backup(s) older than ${retentionDays} days still present (oldest ${expired.at(-1)?.name})`,
    );
  }
  if (gaps.length > 0)
    problems.push(
      `no backup on ${gaps.slice(0, 10).join(', ')}${gaps.length > 10 ? ` and ${gaps.length - 10} more days` : ''}`,
    );
  const data = { count: candidates.length, expired: expired.map((c) => c.name).slice(0, 20), gaps };
  if (problems.length > 0) return check('retention', 'warn', problems.join('; '), data);
  return check(
    'retention',
    'ok',
    `${candidates.length} backups, one every day of the last ${retentionDays} days`,
    data,
  );
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
