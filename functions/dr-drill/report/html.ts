import type { DrillRecord } from '../model.js';
import { checklist } from './json.js';

/** Escapes a value for HTML text and attribute positions. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLOR: Record<string, string> = {
  ok: '#2e7d32',
  fail: '#c62828',
  skipped: '#9e9e9e',
  cancelled: '#9e9e9e',
  running: '#f9a825',
  pending: '#bdbdbd',
};

/** The steps on a time axis (seconds since the drill started) with the RTO target as a line. */
export function timelineSvg(drill: DrillRecord): string {
  const start = Date.parse(drill.startedAt);
  const end = Date.parse(drill.finishedAt ?? drill.updatedAt);
  const target = drill.definition.targets.rto;
  const span = Math.max(end - start, target, 1000) * 1.05;
  const [left, width, row] = [150, 600, 24];
  const x = (ms: number) => left + (Math.max(0, ms) / span) * width;
  const height = drill.steps.length * row + 40;
  const bars = drill.steps.map((s, i) => {
    const y = 10 + i * row;
    const from = s.startedAt ? Date.parse(s.startedAt) - start : undefined;
    const to = s.finishedAt ? Date.parse(s.finishedAt) - start : from;
    const bar =
      from === undefined
        ? ''
        : `<rect x="${x(from).toFixed(1)}" y="${y + 3}" width="${Math.max(2, x(to ?? from) - x(from)).toFixed(1)}" height="${row - 8}" fill="${COLOR[s.status] ?? '#757575'}"><title>${esc(`${s.name}: ${s.status}`)}</title></rect>`;
    return `<text x="${left - 6}" y="${y + row / 2 + 3}" text-anchor="end">${esc(s.name)}</text>${bar}`;
  });
  const tx = x(target).toFixed(1);
  const axisY = drill.steps.length * row + 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 20}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="drill timeline">`,
    ...bars,
    `<line x1="${left}" y1="${axisY}" x2="${left + width}" y2="${axisY}" stroke="#424242"/>`,
    `<line x1="${tx}" y1="4" x2="${tx}" y2="${axisY}" stroke="#c62828" stroke-dasharray="4 3"/>`,
    `<text x="${tx}" y="${axisY + 14}" text-anchor="middle" fill="#c62828">RTO target ${esc(Math.round(target / 1000))}s</text>`,
    `<text x="${left}" y="${axisY + 14}">0s</text>`,
    '</svg>',
  ].join('');
}

/** A self-contained HTML page of a finished drill; every interpolated value is escaped. */
export function renderHtmlReport(drill: DrillRecord, reasons: readonly string[]): string {
  const m = drill.measurements;
  const verdict = (ok: boolean | undefined) => (ok ? '<b class="ok">met</b>' : '<b class="bad">missed</b>');
  const rows = drill.steps
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${esc(s.step)}</td><td class="${s.status === 'ok' ? 'ok' : 'bad'}">${esc(s.status)}</td><td>${esc(s.startedAt)}</td><td>${esc(s.finishedAt)}</td><td>${esc(s.detail)}</td></tr>`,
    )
    .join('');
  const checks = checklist(drill)
    .map((c) => `<li>${c.done ? '☑' : '☐'} ${esc(c.item)} <small>${esc(c.evidence)}</small></li>`)
    .join('');
  const cleanup = drill.resources
    .map(
      (r) =>
        `<tr><td>${esc(r.kind)}</td><td>${esc(r.name)}</td><td class="${r.state === 'deleted' ? 'ok' : 'bad'}">${esc(r.state)}</td><td>${esc(r.expiresAt)}</td><td>${esc(r.detail)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DR drill ${esc(drill.id)} (${esc(drill.plan)})</title>
<style>body{font-family:sans-serif;margin:2em;color:#212121}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.ok{color:#2e7d32}.bad{color:#c62828}ul{list-style:none;padding:0}small{color:#616161}</style></head>
<body>
<h1>DR drill ${esc(drill.id)}: ${esc(drill.plan)} — <span class="${drill.status === 'passed' ? 'ok' : 'bad'}">${esc(drill.status)}</span></h1>
<p>${esc(drill.definition.description)}</p>
<p>Started ${esc(drill.startedAt)} by ${esc(drill.startedBy)}, finished ${esc(drill.finishedAt)}.${drill.approval?.approvedBy ? ` Approved by ${esc(drill.approval.approvedBy)} at ${esc(drill.approval.approvedAt)}.` : ''}</p>
${reasons.length > 0 ? `<ul>${reasons.map((r) => `<li class="bad">${esc(r)}</li>`).join('')}</ul>` : ''}
<h2>RTO / RPO</h2>
<table><tr><th></th><th>measured</th><th>target</th><th></th></tr>
<tr><td>RTO</td><td>${esc(m?.rto ?? '—')} s</td><td>${esc(m?.targets.rto)} s</td><td>${verdict(m?.rtoOk)}</td></tr>
<tr><td>RPO</td><td>${esc(m?.rpo ?? '—')} s${m?.rpoSource ? ` (${esc(m.rpoSource)})` : ''}</td><td>${esc(m?.targets.rpo)} s</td><td>${verdict(m?.rpoOk)}</td></tr></table>
${m && m.notes.length > 0 ? `<p><small>${m.notes.map(esc).join('<br>')}</small></p>` : ''}
<h2>Timeline</h2>
${timelineSvg(drill)}
<h2>Steps</h2>
<table><tr><th>step</th><th>kind</th><th>status</th><th>started</th><th>finished</th><th>detail</th></tr>${rows}</table>
<h2>Runbook checklist</h2>
<ul>${checks}</ul>
<h2>Cleanup record</h2>
${cleanup ? `<table><tr><th>kind</th><th>name</th><th>state</th><th>expires</th><th>detail</th></tr>${cleanup}</table>` : '<p>The drill created nothing.</p>'}
</body></html>
`;
}
