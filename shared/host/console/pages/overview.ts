import { readHistory } from '../../runtime/index.js';
import { readControls } from '../../views/index.js';
import { badge, html, relative, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';

/** Each function's last outcome and time, its next scheduled run, whether it is paused, and the breaker. */
export async function overviewPage(ctx: PageContext): Promise<SafeHtml> {
  const { runtime, now } = ctx;
  const names = runtime.functions.map((f) => f.name);
  const [controls, lasts] = await Promise.all([
    readControls(runtime.state, names, runtime.config.guard, now),
    Promise.all(names.map((fn) => readHistory(runtime.state, fn, 1))),
  ]);
  const jobs = ctx.jobs();
  const breaker = controls.breaker.open
    ? html`<div class="banner">Circuit breaker open${controls.breaker.since ? html` since ${relative(controls.breaker.since, now)}` : ''}: every automatic action is refused until it closes.</div>`
    : '';
  const pausedAll = controls.pausedAll
    ? html`<div class="banner">Every function is paused (${controls.pausedAll.reason}, ${relative(controls.pausedAll.at, now)}): <code>opsfn resume</code> lifts it.</div>`
    : '';
  const rows = runtime.functions.map((fn, i) => {
    const last = lasts[i]?.[0]?.envelope;
    const next = jobs
      .filter((j) => j.function === fn.name && j.next)
      .sort((a, b) => (a.next as Date).getTime() - (b.next as Date).getTime())[0];
    const paused = controls.paused[fn.name] ?? controls.pausedAll;
    return html`<tr>
<td><a href="/console/run?function=${fn.name}">${fn.name}</a><div class="muted">${fn.description}</div></td>
<td>${last ? badge(last.outcome) : html`<span class="muted">never ran</span>`}${last?.dryRun ? html` <span class="badge info">dry-run</span>` : ''}</td>
<td>${last ? html`<a href="/console/runs/${fn.name}/${last.runId}">${relative(last.finishedAt, now)}</a>` : '—'}</td>
<td>${last?.summary ?? ''}</td>
<td>${next ? html`${relative(next.next, now)}<div class="muted">${next.name}</div>` : html`<span class="muted">not scheduled</span>`}</td>
<td>${paused ? html`<span class="badge warn">paused</span><div class="muted">${paused.reason}</div>` : html`<span class="muted">no</span>`}</td>
</tr>`;
  });
  return html`${breaker}${pausedAll}
<table><thead><tr><th>function</th><th>last outcome</th><th>last run</th><th>summary</th><th>next run</th><th>paused</th></tr></thead>
<tbody>${rows}</tbody></table>
<h2>Guard</h2>
<div class="card"><dl><dt>circuit breaker</dt><dd>${controls.breaker.open ? badge('critical') : badge('ok')} ${controls.breaker.actions} of ${controls.breaker.max} actions in its window</dd>
<dt>mode</dt><dd>${runtime.config.mode}</dd><dt>state store</dt><dd>${runtime.config.state === 'memory' ? 'memory (this process only)' : 'redis'}</dd></dl></div>`;
}
