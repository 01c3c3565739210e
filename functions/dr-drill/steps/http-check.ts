import { readBounded } from '../../../shared/core/notify/index.js';
import { withDeadline } from '../../../shared/core/run/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { HttpCheckStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import type { NamedStep } from '../plan.js';
import { message, type StepEnv, type StepResult } from './types.js';

type CheckStep = z.infer<typeof HttpCheckStepSchema> & NamedStep;

const BODY_KEEP = 64 * 1024;

interface Attempt {
  ok: boolean;
  status?: number;
  latencyMs: number;
  problems: string[];
  dependencies?: unknown;
}

/** `http.check`: one URL probed until it passes (or `within` runs out), with `/ready` dependency details kept. */
export async function runHttpCheck(env: StepEnv, step: CheckStep, record: StepRecord): Promise<StepResult> {
  const url = resolveUrl(env, step.url);
  if (url === undefined) return { status: 'fail', detail: `${step.url}: the step it names has no URL` };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.headers)) headers[name] = await env.secret(value);
  if (step.idToken) headers.authorization = `Bearer ${await env.ports.idToken(new URL(url).origin)}`;
  const deadline = Date.parse(record.startedAt ?? env.ctx.now().toISOString()) + step.within;
  let attempt: Attempt;
  let tries = Number(record.data?.tries ?? 0);
  while (true) {
    attempt = await probe(env, step, url, headers);
    tries++;
    if (attempt.ok || env.ctx.now().getTime() + step.interval > deadline) break;
    if (env.budgetMs() < step.interval + step.timeout) {
      return {
        status: 'pending',
        detail: `${url}: not passing yet (${attempt.problems.join('; ')})`,
        data: { url, tries },
      };
    }
    await env.ports.sleep(step.interval, env.ctx.signal);
  }
  const data = {
    url,
    tries,
    httpStatus: attempt.status,
    latencyMs: attempt.latencyMs,
    ...(attempt.dependencies !== undefined ? { dependencies: attempt.dependencies } : {}),
  };
  const deps = describeDependencies(attempt.dependencies);
  const summary = `${step.method} ${url} → ${attempt.status ?? 'no answer'} in ${attempt.latencyMs} ms after ${tries} ${tries === 1 ? 'try' : 'tries'}${deps ? ` (dependencies: ${deps})` : ''}`;
  return attempt.ok
    ? { status: 'ok', detail: summary, data }
    : { status: 'fail', detail: `${summary}: ${attempt.problems.join('; ')}`, data };
}

function resolveUrl(env: StepEnv, template: string): string | undefined {
  const m = /^\{\{([a-z][a-z0-9-]*)\.url\}\}/.exec(template);
  if (!m) return template;
  const base = env.drill.steps.find((s) => s.name === m[1])?.data?.url;
  return typeof base === 'string' ? `${base.replace(/\/$/, '')}${template.slice(m[0].length)}` : undefined;
}

async function probe(env: StepEnv, step: CheckStep, url: string, headers: Record<string, string>): Promise<Attempt> {
  const started = performance.now();
  const problems: string[] = [];
  const deadline = withDeadline(env.ctx.signal, step.timeout);
  try {
    const res = await env.ports.fetch(url, {
      method: step.method,
      headers,
      redirect: 'manual',
      signal: deadline.signal,
    });
    // Only what is kept is read: a large or endless answer is not buffered within the attempt's timeout.
    const body = step.method === 'HEAD' ? '' : await readBounded(res, BODY_KEEP);
    const latencyMs = Math.round(performance.now() - started);
    const expected = Array.isArray(step.expect.status) ? step.expect.status : [step.expect.status];
    if (!expected.includes(res.status)) problems.push(`status ${res.status}, expected ${expected.join(' or ')}`);
    if (step.expect.body !== undefined && !new RegExp(step.expect.body).test(body))
      problems.push(`body does not match /${step.expect.body}/`);
    if (step.expect.maxLatency !== undefined && latencyMs > step.expect.maxLatency)
      problems.push(`latency ${latencyMs} ms > ${step.expect.maxLatency} ms`);
    return {
      ok: problems.length === 0,
      status: res.status,
      latencyMs,
      problems,
      dependencies: dependenciesOf(res, body),
    };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    const why =
      error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${step.timeout} ms` : message(error);
    return { ok: false, latencyMs, problems: [why] };
  } finally {
    deadline.clear();
  }
}

/** The dependency details of a JSON readiness answer (`checks`, `dependencies` or `details`), when it has them. */
function dependenciesOf(res: Response, body: string): unknown {
  if (!(res.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return parsed.checks ?? parsed.dependencies ?? parsed.details ?? undefined;
  } catch {
    return undefined;
  }
}

/** `database ok, redis down` from a readiness answer's dependency map, so the step detail says which one is down. */
export function describeDependencies(dependencies: unknown): string | undefined {
  if (typeof dependencies !== 'object' || dependencies === null || Array.isArray(dependencies)) return undefined;
  const parts = Object.entries(dependencies).map(([name, value]) => {
    const status =
      typeof value === 'object' && value !== null && 'status' in value ? (value as { status: unknown }).status : value;
    return `${name} ${typeof status === 'string' ? status : JSON.stringify(status)}`.slice(0, 120);
  });
  if (parts.length === 0) return undefined;
  return parts.length > 10 ? `${parts.slice(0, 10).join(', ')} and ${parts.length - 10} more` : parts.join(', ');
}
