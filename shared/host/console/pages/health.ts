import { readHistory } from '../../runtime/index.js';
import { healthMatrix } from '../../views/index.js';
import { html, relative, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';

const TONE: Record<string, string> = { ok: 'good', degraded: 'warn', warn: 'warn', fail: 'bad', down: 'bad' };

/** The checks × sweeps matrix of the last sweeps, newest on the left. */
export async function healthPage(ctx: PageContext): Promise<SafeHtml> {
  if (!ctx.runtime.functions.some((f) => f.name === 'healthSweep'))
    return html`<p class="muted">healthSweep is not served here.</p>`;
  const { sweeps, rows } = healthMatrix(await readHistory(ctx.runtime.state, 'healthSweep'));
  if (sweeps.length === 0)
    return html`<p class="muted">No sweep yet. <a href="/console/run?function=healthSweep">Run one now</a>.</p>`;
  return html`<table><thead><tr><th>check</th><th>kind</th><th>latest</th>
${sweeps.map((s) => html`<th title="${s.at}"><a href="/console/runs/healthSweep/${s.runId}">${relative(s.at, ctx.now)}</a></th>`)}</tr></thead><tbody>
${rows.map((row) => {
  const latest = row.cells.find((c) => c !== undefined);
  return html`<tr data-check="${row.check}"><td><strong>${row.check}</strong><div class="muted">${row.service ?? ''}</div></td><td>${row.kind}</td>
<td>${latest?.detail ?? ''}${latest?.latencyMs === undefined ? '' : html`<div class="muted">${latest.latencyMs} ms</div>`}</td>
${row.cells.map((cell) => html`<td><span class="cell ${TONE[cell?.status ?? ''] ?? 'muted'}" title="${cell ? `${cell.status}: ${cell.detail}` : 'not run'}"></span></td>`)}</tr>`;
})}</tbody></table>`;
}
