import type { ResultEnvelope } from '../../core/run/index.js';

function itemLine(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  const record = item as Record<string, unknown>;
  const name = record.backup ?? record.endpoint ?? record.service ?? record.step ?? record.name ?? record.target ?? '';
  const status = record.status ?? record.outcome ?? '';
  const detail = record.detail ?? record.reason ?? (Array.isArray(record.problems) ? record.problems.join(', ') : '');
  return `  ${String(status).padEnd(9)} ${String(name)}${detail ? `  ${String(detail)}` : ''}`;
}

/** A short human rendering of an envelope for a terminal. */
export function formatEnvelope(envelope: ResultEnvelope): string {
  const lines = [
    `${envelope.function} ${envelope.outcome.toUpperCase()}${envelope.dryRun ? ' (dry-run)' : ''}: ${envelope.summary}`,
    ...envelope.items.map(itemLine),
  ];
  for (const action of envelope.actions) {
    lines.push(
      `  action ${action.action} ${action.target}: ${action.status}${action.reason ? ` (${action.reason})` : ''}`,
    );
  }
  for (const delivery of envelope.notifications) {
    lines.push(`  notify ${delivery.channel}: ${delivery.ok ? 'sent' : `failed: ${delivery.error ?? ''}`}`);
  }
  lines.push(`  run ${envelope.runId}, ${envelope.startedAt} → ${envelope.finishedAt}`);
  return `${lines.join('\n')}\n`;
}
