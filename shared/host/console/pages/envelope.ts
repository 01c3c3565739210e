import { ENVELOPE_FIELDS, type ResultEnvelope } from '../../../core/run/index.js';
import { cellText, itemTable } from '../../views/index.js';
import { badge, duration, html, type SafeHtml } from '../html.js';

/** A result envelope as a readable page: verdict, items as a table, actions, notifications and the rest. */
export function envelopeView(envelope: ResultEnvelope): SafeHtml {
  const { columns, rows } = itemTable(envelope.items);
  const extra = Object.entries(envelope).filter(([k]) => !ENVELOPE_FIELDS.has(k));
  const took = Date.parse(envelope.finishedAt) - Date.parse(envelope.startedAt);
  return html`<div class="card"><h3>${envelope.function} ${badge(envelope.outcome)}${envelope.dryRun ? html` <span class="badge info">dry-run</span>` : ''}${envelope.accepted ? html` <span class="badge info">accepted, goes on</span>` : ''}</h3>
<p>${envelope.summary}</p>
${envelope.error ? html`<p class="banner">${envelope.error.kind} (${envelope.error.status}${envelope.error.retryable ? ', retryable' : ''}): ${envelope.error.message}</p>` : ''}
<dl><dt>run</dt><dd>${envelope.runId}</dd><dt>trigger</dt><dd>${envelope.trigger.kind} ${envelope.trigger.id}</dd>
<dt>started</dt><dd>${envelope.startedAt}</dd><dt>took</dt><dd>${Number.isFinite(took) ? duration(took) : '—'}</dd>
${envelope.state ? html`<dt>state store</dt><dd>${envelope.state}</dd>` : ''}
${envelope.omitted ? html`<dt>left out</dt><dd>${JSON.stringify(envelope.omitted)}</dd>` : ''}</dl></div>
<h2>Items (${rows.length})</h2>
${
  rows.length === 0
    ? html`<p class="muted">none</p>`
    : html`<table><thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>
${rows.map((row) => html`<tr>${row.map((cell, i) => html`<td>${columns[i] === 'status' || columns[i] === 'outcome' ? badge(cell) : cell}</td>`)}</tr>`)}</tbody></table>`
}
<h2>Actions (${envelope.actions.length})</h2>
${
  envelope.actions.length === 0
    ? html`<p class="muted">none</p>`
    : html`<table><thead><tr><th>action</th><th>target</th><th>status</th><th>guard</th><th>took</th><th>change</th></tr></thead><tbody>
${envelope.actions.map((a) => html`<tr><td>${a.action}</td><td>${a.target}</td><td>${badge(a.status)}</td><td>${a.by ?? ''} ${a.reason ?? ''}</td><td>${a.durationMs === undefined ? '' : duration(a.durationMs)}</td><td>${cellText(a.change)}</td></tr>`)}</tbody></table>`
}
${
  envelope.notifications.length === 0
    ? ''
    : html`<h2>Notifications</h2><table><thead><tr><th>channel</th><th>delivered</th><th>attempts</th></tr></thead><tbody>
${envelope.notifications.map((n) => html`<tr><td>${n.channel}</td><td>${badge(n.ok ? 'ok' : 'failed')} ${n.error ?? ''}</td><td>${n.attempts}</td></tr>`)}</tbody></table>`
}
${extra.length === 0 ? '' : html`<h2>More</h2><dl>${extra.map(([k, v]) => html`<dt>${k}</dt><dd>${cellText(v)}</dd>`)}</dl>`}
<details><summary>envelope as JSON</summary><pre>${JSON.stringify(envelope, null, 2)}</pre></details>`;
}
