import { readHistory } from '../../runtime/index.js';
import { actionTimeline, DECIDING_FUNCTIONS, type TimelineEntry } from '../../views/index.js';
import { badge, duration, html, relative, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';

function evidenceList(evidence: Record<string, unknown> | undefined): SafeHtml | string {
  if (!evidence) return '';
  const shown = Object.entries(evidence).filter(([, v]) => v !== undefined && v !== null);
  return html`<dl>${shown.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)}</dd>`)}</dl>`;
}

// Autoscale names its policy on the item; rollback within the evidence it decided on.
const policyOf = (d: TimelineEntry['decision']): string | undefined =>
  d?.policy ?? (typeof d?.evidence?.policy === 'string' ? d.evidence.policy : undefined);

function entryCard(entry: TimelineEntry, ctx: PageContext): SafeHtml {
  const d = entry.decision;
  const change =
    d?.from !== undefined || d?.to !== undefined ? html` ${String(d?.from ?? '?')} → ${String(d?.to ?? '?')}` : '';
  return html`<div class="card" data-run="${entry.runId}">
<h3>${entry.service} · ${entry.function} ${d?.decision ? html`· ${d.decision}` : ''}${change} ${badge(entry.outcome)}${entry.dryRun ? html` <span class="badge info">dry-run</span>` : ''}</h3>
<div class="muted">${relative(entry.at, ctx.now)} · ${entry.at} · trigger ${entry.triggerId}${entry.traceId ? html` · trace <a href="/console/actions?trace=${encodeURIComponent(entry.traceId)}">${entry.traceId}</a>` : ''} · <a href="/console/runs/${entry.function}/${entry.runId}">run ${entry.runId.slice(0, 8)}</a></div>
<p>${entry.summary}</p>
<dl>
${d?.reasons.length ? html`<dt>reasons</dt><dd>${d.reasons.join('; ')}</dd>` : ''}
${d?.verdict ? html`<dt>verdict</dt><dd>${d.verdict}</dd>` : ''}
${policyOf(d) ? html`<dt>policy</dt><dd>${policyOf(d)}</dd>` : ''}
<dt>guard</dt><dd>${
    entry.actions.length === 0
      ? html`<span class="muted">no guarded action</span>`
      : entry.actions.map(
          (a) =>
            html`<div>${a.action} ${badge(a.status)}${a.by ? html` by ${a.by}` : ''}${a.reason ? html` — ${a.reason}` : ''}${a.durationMs === undefined ? '' : html` <span class="muted">(${duration(a.durationMs)})</span>`}</div>`,
        )
  }</dd>
${d?.verification ? html`<dt>verification</dt><dd>${badge(d.verification.state === 'low' ? 'ok' : 'warn')} ${d.verification.reason}</dd>` : ''}
</dl>
${d?.evidence ? html`<details><summary>evidence</summary>${evidenceList(d.evidence)}</details>` : ''}
</div>`;
}

/** Rollback and scale decisions as a timeline, filtered by service and by trace (or run, or trigger) id. */
export async function actionsPage(ctx: PageContext): Promise<SafeHtml> {
  const names = DECIDING_FUNCTIONS.filter((fn) => ctx.runtime.functions.some((f) => f.name === fn));
  const histories = Object.fromEntries(
    await Promise.all(names.map(async (fn) => [fn, await readHistory(ctx.runtime.state, fn)] as const)),
  );
  const service = ctx.query.get('service')?.trim() || undefined;
  const trace = ctx.query.get('trace')?.trim() || undefined;
  const entries = actionTimeline(histories, { ...(service ? { service } : {}), ...(trace ? { trace } : {}) });
  return html`<form class="filters" method="get" action="/console/actions">
<div><label for="service">service</label><input type="text" id="service" name="service" value="${service ?? ''}"></div>
<div><label for="trace">trace, run or trigger id</label><input type="text" id="trace" name="trace" value="${trace ?? ''}"></div>
<button class="secondary" type="submit">Filter</button> <a href="/console/actions">clear</a></form>
${entries.length === 0 ? html`<p class="muted">No decision${service || trace ? ' matches' : ' yet'}.</p>` : entries.map((e) => entryCard(e, ctx))}`;
}
