import { randomUUID } from 'node:crypto';
import { BadInputError, ForbiddenError, NotFoundError } from '../../../core/errors/index.js';
import type { ResultEnvelope } from '../../../core/run/index.js';
import { type HistoryEntry, historyEntry, readHistory } from '../../runtime/index.js';
import { DryRunFirstError } from '../errors.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, type PageContext } from '../page.js';
import { envelopeView } from './envelope.js';

/** A dry run the console made, which the same caller may now run for real with the same payload. */
interface DryRunRecord {
  function: string;
  payload: Record<string, unknown>;
  caller: string;
}

const runKey = (runId: string) => `console:run:${runId}`;
const dryRunKey = (runId: string) => `console:dry-run:${runId}`;
const dryRunUsedKey = (runId: string) => `console:dry-run-used:${runId}`;
const RUN_TTL_MS = 86_400_000;
// Long enough to read a dry run's envelope, short enough that "run for real" acts on today's view.
const DRY_RUN_TTL_MS = 30 * 60_000;

/** The form: pick a function, give its payload, run it dry first. */
export async function runPage(ctx: PageContext): Promise<SafeHtml> {
  const chosen = ctx.query.get('function') ?? ctx.runtime.functions[0]?.name ?? '';
  const payload = ctx.query.get('payload') ?? '{}';
  return html`<p>Every run from here is a dry run first: nothing is changed, and its envelope shows what would be. From that page the same payload can then run for real.</p>
<form method="post" action="/console/run" data-json>${csrfField(ctx)}<input type="hidden" name="mode" value="dry-run">
<div class="row"><label for="function">function</label><select id="function" name="function">
${ctx.runtime.functions.map((f) => html`<option value="${f.name}" ${f.name === chosen ? html`selected` : ''}>${f.name} — ${f.description}</option>`)}</select></div>
<div class="row"><label for="payload">payload (JSON object)</label><textarea id="payload" name="payload">${payload}</textarea></div>
<button class="primary" type="submit">Dry run</button><span class="form-error"></span></form>`;
}

/** What a run-now form posts. */
export interface RunRequest {
  function: string;
  /** `dry-run`, or `run` with `after` naming the dry run whose payload runs for real. */
  mode: 'dry-run' | 'run';
  payload?: string;
  after?: string;
}

/** Runs a function for the signed-in caller: a dry run, or for real after that caller's dry run of the same payload. */
export async function runNow(
  ctx: Pick<PageContext, 'runtime' | 'caller'> & { principal?: string; may: (fn: string) => boolean },
  request: RunRequest,
): Promise<string> {
  const { runtime, caller, principal } = ctx;
  let fn = request.function;
  let payload: Record<string, unknown>;
  if (request.mode === 'run') {
    const dry = request.after ? await runtime.state.get<DryRunRecord>(dryRunKey(request.after)) : undefined;
    if (!dry || dry.caller !== caller) {
      throw new DryRunFirstError();
    }
    // One dry run, one real run: a double click must not act twice, so the record is taken atomically (a claim),
    // not read and then deleted, which two requests at once would both pass.
    const taken = await runtime.state.claim(dryRunUsedKey(request.after as string), DRY_RUN_TTL_MS);
    if (!taken.claimed) throw new DryRunFirstError('this dry run has already been run for real: run it dry again');
    await runtime.state.delete(dryRunKey(request.after as string));
    fn = dry.function;
    payload = dry.payload;
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.payload?.trim() || '{}');
    } catch (error) {
      throw new BadInputError(`payload: not JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BadInputError('payload: expected a JSON object');
    }
    payload = parsed as Record<string, unknown>;
  }
  runtime.find(fn);
  if (!ctx.may(fn)) throw new ForbiddenError(`${caller} may not call POST /${fn}`);
  const envelope = await runtime.invoke(
    fn,
    { kind: 'manual', id: `console:${randomUUID()}`, payload, caller, ...(principal ? { principal } : {}) },
    // The person sees the shutdown's error and decides; a redelivery at the next start would act unasked.
    { dryRun: request.mode === 'dry-run', format: 'manual', redeliver: false },
  );
  await runtime.state.put(runKey(envelope.runId), historyEntry(envelope), RUN_TTL_MS);
  if (request.mode === 'dry-run' && envelope.dryRun && envelope.outcome !== 'rejected') {
    await runtime.state.put(dryRunKey(envelope.runId), { function: fn, payload, caller }, DRY_RUN_TTL_MS);
  }
  return `/console/runs/${fn}/${envelope.runId}`;
}

async function findRun(ctx: PageContext, fn: string, runId: string): Promise<ResultEnvelope | undefined> {
  const own = await ctx.runtime.state.get<HistoryEntry>(runKey(runId));
  if (own?.envelope.function === fn) return own.envelope;
  return (await readHistory(ctx.runtime.state, fn)).find((h) => h.envelope.runId === runId)?.envelope;
}

/** One run's envelope as a page; after a dry run of the viewer's own, the button that runs it for real. */
export async function runResultPage(ctx: PageContext, fn: string, runId: string): Promise<SafeHtml> {
  const envelope = await findRun(ctx, fn, runId);
  if (!envelope) throw new NotFoundError(`no kept run ${runId} of ${fn}`);
  const dry = await ctx.runtime.state.get<DryRunRecord>(dryRunKey(runId));
  const drill = typeof envelope.drill === 'string' ? envelope.drill : undefined;
  return html`${drill ? html`<p class="banner note">Drill <a href="/console/drills/${drill}">${drill}</a>: follow its progress there.</p>` : ''}
${
  dry && dry.caller === ctx.caller
    ? html`<div class="card"><form method="post" action="/console/run" data-json>${csrfField(ctx)}
<input type="hidden" name="mode" value="run"><input type="hidden" name="after" value="${runId}">
<p>This was a dry run of <strong>${dry.function}</strong> with payload <code>${JSON.stringify(dry.payload)}</code>.</p>
<button class="danger" type="submit">Run for real</button><span class="form-error"></span></form></div>`
    : ''
}
${envelopeView(envelope)}`;
}
