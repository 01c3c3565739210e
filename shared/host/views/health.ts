import type { HistoryEntry } from '../runtime/index.js';
import { itemsOf, type SweepItem, SweepItemSchema } from './items.js';

/** One sweep, a column of the matrix. */
export interface SweepColumn {
  runId: string;
  at: string;
  outcome: string;
}

/** One check, a row of the matrix: its result in each sweep (undefined where it did not run). */
export interface HealthRow {
  check: string;
  kind: string;
  service?: string;
  cells: (SweepItem | undefined)[];
}

/** The checks × sweeps matrix of the last `columns` healthSweep runs, newest sweep first. */
export function healthMatrix(
  history: readonly HistoryEntry[],
  columns = 12,
): { sweeps: SweepColumn[]; rows: HealthRow[] } {
  const runs = history.slice(0, columns).map((h) => ({
    column: { runId: h.envelope.runId, at: h.envelope.finishedAt, outcome: h.envelope.outcome },
    items: new Map(itemsOf(SweepItemSchema, h.envelope).map((i) => [i.check, i])),
  }));
  const rows = new Map<string, HealthRow>();
  for (const run of runs) {
    for (const item of run.items.values()) {
      if (rows.has(item.check)) continue;
      rows.set(item.check, {
        check: item.check,
        kind: item.kind,
        ...(item.service ? { service: item.service } : {}),
        cells: runs.map((r) => r.items.get(item.check)),
      });
    }
  }
  const ordered = [...rows.values()].sort(
    (a, b) => (a.service ?? a.check).localeCompare(b.service ?? b.check) || a.check.localeCompare(b.check),
  );
  return { sweeps: runs.map((r) => r.column), rows: ordered };
}
