import { readHistory } from '../../runtime/index.js';
import { certRows } from '../../views/index.js';
import { badge, html, relative, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';

/** Every address of every endpoint, most urgent first: days left, issuer, whether the addresses agree. */
export async function certificatesPage(ctx: PageContext): Promise<SafeHtml> {
  const rows = certRows(await readHistory(ctx.runtime.state, 'certExpiry'), ctx.now);
  if (rows.length === 0)
    return html`<p class="muted">No certExpiry run yet. <a href="/console/run?function=certExpiry">Run it now</a>.</p>`;
  return html`<table><thead><tr><th>endpoint</th><th>address</th><th>status</th><th>days left</th><th>expires</th><th>issuer</th><th>addresses agree</th><th>problems</th></tr></thead><tbody>
${rows.map(
  (row) => html`<tr data-endpoint="${row.endpoint}">
<td><strong>${row.endpoint}</strong></td><td>${row.address ?? '—'}</td><td>${badge(row.status)}</td>
<td class="num">${row.secondsLeft === undefined ? '—' : Math.floor(row.secondsLeft / 86400)}</td>
<td>${row.notAfter ? html`${row.notAfter.slice(0, 10)}<div class="muted">${relative(row.notAfter, ctx.now)}</div>` : '—'}</td>
<td>${row.issuer ?? '—'}</td>
<td>${row.consistent ? badge('ok') : html`<span class="badge bad">differ</span>`}</td>
<td>${row.problems.join(', ')}${row.error ? html`<div class="muted">${row.error}</div>` : ''}<div class="muted">checked ${relative(row.checkedAt, ctx.now)}</div></td></tr>`,
)}</tbody></table>`;
}
