import * as z from '../../../core/schema/index.js';
import { callFunctionRoute } from '../function-routes.js';
import { badge, duration, html, relative, type SafeHtml } from '../html.js';
import { csrfField, type PageContext } from '../page.js';

const StepSchema = z.object({
  name: z.string(),
  status: z.string(),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  detail: z.optional(z.string()),
});

const DrillSchema = z.object({
  id: z.string(),
  plan: z.string(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.optional(z.nullable(z.string())),
  steps: z._default(z.array(StepSchema), []),
  resources: z._default(z.array(z.looseObject({ kind: z.string(), name: z.string(), state: z.string() })), []),
  approval: z.optional(
    z.nullable(z.looseObject({ approvedBy: z.optional(z.string()), approvedAt: z.optional(z.string()) })),
  ),
  cancel: z.optional(z.nullable(z.object({ by: z.string(), at: z.string() }))),
  measurements: z.optional(
    z.nullable(
      z.object({
        rto: z.optional(z.number()),
        rpo: z.optional(z.number()),
        targets: z.object({ rto: z.number(), rpo: z.number() }),
        rtoOk: z.optional(z.boolean()),
        rpoOk: z.optional(z.boolean()),
        notes: z._default(z.array(z.string()), []),
      }),
    ),
  ),
  report: z.optional(
    z.nullable(z.object({ json: z.optional(z.string()), html: z.optional(z.string()), error: z.optional(z.string()) })),
  ),
});
type Drill = z.infer<typeof DrillSchema>;

const OVER = new Set(['passed', 'failed', 'cancelled']);
const TONE: Record<string, string> = {
  ok: 'good',
  fail: 'bad',
  running: 'info',
  pending: 'muted',
  skipped: 'muted',
  cancelled: 'muted',
};

/** The steps on one time axis, as SVG bars (no inline styles: the page's policy forbids them). */
function stepTimeline(drill: Drill, now: Date): SafeHtml {
  const start = Date.parse(drill.startedAt);
  const end = drill.finishedAt ? Date.parse(drill.finishedAt) : now.getTime();
  const span = Math.max(end - start, 1);
  const x = (t: number) => ((Math.min(Math.max(t, start), end) - start) / span) * 400;
  return html`<table><thead><tr><th>step</th><th>status</th><th>took</th><th>timeline</th><th>detail</th></tr></thead><tbody>
${drill.steps.map((step) => {
  const from = step.startedAt ? Date.parse(step.startedAt) : undefined;
  const to = step.finishedAt ? Date.parse(step.finishedAt) : from === undefined ? undefined : now.getTime();
  const bar =
    from === undefined || to === undefined
      ? ''
      : html`<rect class="${TONE[step.status] ?? 'info'}" x="${x(from).toFixed(1)}" y="0" width="${Math.max(x(to) - x(from), 2).toFixed(1)}" height="14" />`;
  return html`<tr data-step="${step.name}"><td>${step.name}</td><td>${badge(step.status === 'fail' ? 'failed' : step.status)}</td>
<td class="num">${from !== undefined && to !== undefined ? duration(to - from) : '—'}</td>
<td><svg class="timeline" width="400" height="14" viewBox="0 0 400 14"><rect class="track" x="0" y="0" width="400" height="14" />${bar}</svg></td>
<td>${step.detail ?? ''}</td></tr>`;
})}</tbody></table>`;
}

/** The live part of a drill's page: status, steps and measurements; final once the drill is over. */
export function drillProgress(drill: Drill, ctx: PageContext): SafeHtml {
  const done = drill.steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
  const m = drill.measurements;
  return html`<div ${OVER.has(drill.status) ? html`data-final` : ''}>
<p>${badge(drill.status)} step ${done}/${drill.steps.length} · started ${relative(drill.startedAt, ctx.now)}${drill.finishedAt ? html` · finished ${relative(drill.finishedAt, ctx.now)}` : ''}</p>
${stepTimeline(drill, ctx.now)}
${
  m
    ? html`<h2>Measurements</h2><div class="card"><dl>
<dt>RTO</dt><dd>${m.rto === undefined ? '—' : duration(m.rto * 1000)} (target ${duration(m.targets.rto * 1000)}) ${m.rto === undefined ? '' : badge(m.rtoOk ? 'ok' : 'fail')}</dd>
<dt>RPO</dt><dd>${m.rpo === undefined ? '—' : duration(m.rpo * 1000)} (target ${duration(m.targets.rpo * 1000)}) ${m.rpo === undefined ? '' : badge(m.rpoOk ? 'ok' : 'fail')}</dd>
${m.notes.length ? html`<dt>notes</dt><dd>${m.notes.join('; ')}</dd>` : ''}</dl></div>`
    : ''
}
</div>`;
}

async function loadDrill(ctx: PageContext, id: string): Promise<Drill | SafeHtml> {
  const answer = await callFunctionRoute(ctx.runtime, 'drDrill', {
    method: 'GET',
    subpath: '',
    caller: ctx.caller,
    query: new URLSearchParams({ id }),
  });
  const parsed = DrillSchema.safeParse(answer.body);
  if (answer.status !== 200 || !parsed.success)
    return html`<p class="banner">${String(answer.body.message ?? `drill ${id} cannot be read`)}</p>`;
  return parsed.data;
}

/** The recent drills, newest first. */
export async function drillsPage(ctx: PageContext): Promise<SafeHtml> {
  if (!ctx.runtime.functions.some((f) => f.name === 'drDrill'))
    return html`<p class="muted">drDrill is not served here.</p>`;
  const answer = await callFunctionRoute(ctx.runtime, 'drDrill', { method: 'GET', subpath: '', caller: ctx.caller });
  const drills = z
    .catch(z.array(z.pick(DrillSchema, { id: true, plan: true, status: true, startedAt: true, finishedAt: true })), [])
    .parse(answer.body.drills);
  const plans = Object.keys(ctx.runtime.config.drills ?? {});
  return html`<p>Start a drill from <a href="/console/run?function=drDrill">Run now</a>${plans.length ? html` (plans: ${plans.join(', ')})` : ''}.</p>
${
  drills.length === 0
    ? html`<p class="muted">No drill kept.</p>`
    : html`<table><thead><tr><th>drill</th><th>plan</th><th>status</th><th>started</th><th>finished</th></tr></thead><tbody>
${drills.map((d) => html`<tr data-drill="${d.id}"><td><a href="/console/drills/${d.id}">${d.id}</a></td><td>${d.plan}</td><td>${badge(d.status)}</td><td>${relative(d.startedAt, ctx.now)}</td><td>${relative(d.finishedAt, ctx.now)}</td></tr>`)}</tbody></table>`
}`;
}

/** One drill: live progress, approve and cancel, resources and the report. */
export async function drillPage(ctx: PageContext, id: string): Promise<SafeHtml> {
  const drill = await loadDrill(ctx, id);
  if (!('id' in drill)) return drill;
  const over = OVER.has(drill.status);
  const awaiting =
    drill.status === 'awaiting-approval' ||
    (drill.approval !== null && drill.approval !== undefined && !drill.approval.approvedAt && !over);
  return html`<p class="muted">plan ${drill.plan}</p>
${awaiting ? html`<div class="banner note">This drill waits for a second person: someone other than whoever started it approves it here.</div>` : ''}
<div class="card">
${awaiting ? html`<form class="inline" method="post" action="/console/drills/approve" data-json>${csrfField(ctx)}<input type="hidden" name="id" value="${drill.id}"><button class="primary" type="submit">Approve</button><span class="form-error"></span></form> ` : ''}
${over ? '' : html`<form class="inline" method="post" action="/console/drills/cancel" data-json>${csrfField(ctx)}<input type="hidden" name="id" value="${drill.id}"><button class="danger" type="submit">Cancel drill</button><span class="form-error"></span></form>`}
${drill.approval?.approvedBy ? html`<span class="muted">approved by ${drill.approval.approvedBy} ${relative(drill.approval.approvedAt, ctx.now)}</span>` : ''}
${drill.cancel ? html`<span class="muted">cancelled by ${drill.cancel.by} ${relative(drill.cancel.at, ctx.now)}</span>` : ''}
</div>
<div id="progress" data-refresh="2" data-src="/console/drills/${drill.id}/progress">${drillProgress(drill, ctx)}</div>
<h2>Resources</h2>
${drill.resources.length === 0 ? html`<p class="muted">none created</p>` : html`<table><thead><tr><th>kind</th><th>name</th><th>state</th></tr></thead><tbody>${drill.resources.map((r) => html`<tr><td>${r.kind}</td><td>${r.name}</td><td>${badge(r.state === 'deleted' ? 'ok' : r.state === 'leaked' ? 'fail' : r.state)}</td></tr>`)}</tbody></table>`}
<h2>Report</h2>
${drill.report ? html`<dl>${drill.report.html ? html`<dt>HTML</dt><dd>${drill.report.html}</dd>` : ''}${drill.report.json ? html`<dt>JSON</dt><dd>${drill.report.json}</dd>` : ''}${drill.report.error ? html`<dt>error</dt><dd>${drill.report.error}</dd>` : ''}</dl>` : html`<p class="muted">${over ? 'no report written' : 'written when the drill ends'}</p>`}`;
}

/** The live fragment of a drill's page, for its refreshing region. */
export async function drillProgressFragment(ctx: PageContext, id: string): Promise<SafeHtml> {
  const drill = await loadDrill(ctx, id);
  return 'id' in drill ? drillProgress(drill, ctx) : drill;
}
