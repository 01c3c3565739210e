import type { ResultEnvelope } from '../../core/run/index.js';
import { itemTable } from '../views/index.js';

// A terminal row stays readable at 160 columns or so: a few columns, each cut short.
const MAX_COLUMNS = 6;
const MAX_CELL = 48;

/** Rows of cells as text columns padded to their widest cell, a header line first. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header.map((h) => h.toUpperCase())), ...rows.map(line)];
}

function took(envelope: ResultEnvelope): string {
  const ms = Date.parse(envelope.finishedAt) - Date.parse(envelope.startedAt);
  if (!Number.isFinite(ms)) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** An envelope for a person at a terminal: the verdict, a table of items, the actions and deliveries, the run. */
export function formatEnvelope(envelope: ResultEnvelope): string {
  const lines = [
    `${envelope.function} ${envelope.outcome.toUpperCase()}${envelope.dryRun ? ' (dry-run)' : ''}: ${envelope.summary}`,
  ];
  if (envelope.error)
    lines.push(`  error ${envelope.error.kind} (${envelope.error.status}): ${envelope.error.message}`);
  if (envelope.items.length > 0) {
    const { columns, rows } = itemTable(envelope.items, MAX_COLUMNS, MAX_CELL);
    lines.push('', ...textTable(columns, rows).map((l) => `  ${l}`));
  }
  if (envelope.actions.length > 0) {
    const rows = envelope.actions.map((a) => [
      a.action,
      a.target,
      a.status,
      [a.by, a.reason].filter(Boolean).join(': ').slice(0, 80),
    ]);
    lines.push('', ...textTable(['action', 'target', 'status', 'guard'], rows).map((l) => `  ${l}`));
  }
  for (const delivery of envelope.notifications) {
    lines.push(`  notify ${delivery.channel}: ${delivery.ok ? 'sent' : `failed: ${delivery.error ?? ''}`}`);
  }
  const omitted = envelope.omitted ? `, left out ${JSON.stringify(envelope.omitted)}` : '';
  lines.push(
    '',
    `  run ${envelope.runId}, ${envelope.startedAt} → ${envelope.finishedAt} (${took(envelope)})${omitted}`,
  );
  return `${lines.join('\n')}\n`;
}
