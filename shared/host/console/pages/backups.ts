import { readHistory } from '../../runtime/index.js';
import { backupRows, SPARK_RUNS } from '../../views/index.js';
import { badge, bytes, duration, html, relative, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';
import { sparkline } from '../sparkline.js';

/** Every backup: status, age against its RPO, size with a sparkline of the last runs, the last restore. */
export async function backupsPage(ctx: PageContext): Promise<SafeHtml> {
  const rows = backupRows(await readHistory(ctx.runtime.state, 'backupVerify'), ctx.now);
  if (rows.length === 0)
    return html`<p class="muted">No backupVerify run yet. <a href="/console/run?function=backupVerify">Run it now</a>.</p>`;
  const rpo = (name: string) => ctx.runtime.config.backups[name]?.rpo;
  return html`<table><thead><tr><th>backup</th><th>status</th><th>age</th><th>size</th><th>last ${SPARK_RUNS} runs</th><th>last restore</th><th>detail</th></tr></thead><tbody>
${rows.map((row) => {
  const limit = rpo(row.name);
  const stale = row.ageSeconds !== undefined && limit !== undefined && row.ageSeconds * 1000 > limit;
  return html`<tr data-backup="${row.name}">
<td><strong>${row.name}</strong><div class="muted">${row.kind}</div></td>
<td>${badge(row.status)}</td>
<td class="num">${row.ageSeconds === undefined ? '—' : duration(row.ageSeconds * 1000)}${stale ? html` <span class="badge bad">stale</span>` : ''}${limit === undefined ? '' : html`<div class="muted">RPO ${duration(limit)}</div>`}</td>
<td class="num">${bytes(row.bytes)}</td>
<td>${sparkline(row.sizes)}</td>
<td>${row.lastRestore ? html`${relative(row.lastRestore.at, ctx.now)}<div class="muted">took ${duration(row.lastRestore.durationMs)}</div>` : html`<span class="muted">none kept</span>`}</td>
<td>${row.detail}<div class="muted">checked ${relative(row.checkedAt, ctx.now)}</div></td></tr>`;
})}</tbody></table>`;
}
