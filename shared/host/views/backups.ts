import type { HistoryEntry } from '../runtime/index.js';
import { type BackupItem, BackupItemSchema, itemsOf } from './items.js';

/** How many runs a backup's size sparkline covers. */
export const SPARK_RUNS = 30;

/** One backup as the console and the metrics show it. */
export interface BackupRow {
  name: string;
  kind: string;
  status: string;
  /** Age of the newest backup now, in seconds; undefined when the last run could not tell. */
  ageSeconds?: number;
  bytes?: number;
  /** Sizes of the newest backup at each of the last {@link SPARK_RUNS} runs, oldest first. */
  sizes: number[];
  lastRestore?: { at: string; durationMs: number; detail: string };
  detail: string;
  checkedAt: string;
}

function ageHoursOf(item: BackupItem): number | undefined {
  if (item.object) return item.object.ageHours;
  const fresh = item.checks.find((c) => c.name === 'freshness')?.data?.ageHours;
  return typeof fresh === 'number' ? fresh : undefined;
}

function worstDetail(item: BackupItem): string {
  const bad = item.checks.find((c) => c.status === 'fail') ?? item.checks.find((c) => c.status === 'warn');
  return bad ? `${bad.name}: ${bad.detail}` : (item.checks[0]?.detail ?? '');
}

/**
 * Every backup of the recent backupVerify runs as its newest run saw it (a run for one backup leaves
 * the others as they were), with its size over the last runs and its last restore.
 */
export function backupRows(history: readonly HistoryEntry[], now: Date): BackupRow[] {
  const runs = history.map((h) => ({ at: h.envelope.finishedAt, items: itemsOf(BackupItemSchema, h.envelope) }));
  const newest = new Map<string, { at: string; item: BackupItem }>();
  for (const run of runs) {
    for (const item of run.items) if (!newest.has(item.backup)) newest.set(item.backup, { at: run.at, item });
  }
  return [...newest.values()].map(({ at, item }) => {
    const ageHours = ageHoursOf(item);
    const sinceRun = (now.getTime() - Date.parse(at)) / 1000;
    const sizes = runs
      .map((run) => run.items.find((i) => i.backup === item.backup)?.object?.bytes)
      .filter((b): b is number => b !== undefined)
      .slice(0, SPARK_RUNS)
      .reverse();
    let lastRestore: BackupRow['lastRestore'];
    for (const run of runs) {
      const restore = run.items
        .find((i) => i.backup === item.backup)
        ?.checks.find((c) => c.name === 'restore' && c.status === 'ok');
      const durationMs = restore?.data?.durationMs;
      if (restore && typeof durationMs === 'number') {
        lastRestore = { at: run.at, durationMs, detail: restore.detail };
        break;
      }
    }
    return {
      name: item.backup,
      kind: item.kind,
      status: item.status,
      ...(ageHours === undefined ? {} : { ageSeconds: Math.round(ageHours * 3600 + Math.max(0, sinceRun)) }),
      ...(item.object ? { bytes: item.object.bytes } : {}),
      sizes,
      ...(lastRestore ? { lastRestore } : {}),
      detail: worstDetail(item),
      checkedAt: at,
    };
  });
}
