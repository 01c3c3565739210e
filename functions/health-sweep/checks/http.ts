import type { HttpCheck } from '../config.js';
import { describeNetworkError, sendRequest } from './http-request.js';
import { describeDependencies, parseReadiness, stateOf } from './readiness.js';
import { type CheckResult, type CheckStatus, type ProbeEnv, since, worst } from './types.js';

const READY_PATH = /\/(ready|readyz|readiness)\/?$/i;

function jsonAt(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function jsonProblems(body: string, expected: Record<string, unknown>): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return ['body is not JSON'];
  }
  return Object.entries(expected)
    .filter(([path, want]) => jsonAt(parsed, path) !== want)
    .map(
      ([path, want]) =>
        `${path} is ${JSON.stringify(jsonAt(parsed, path)) ?? 'missing'}, expected ${JSON.stringify(want)}`,
    );
}

async function headersFor(check: HttpCheck, env: ProbeEnv, url: URL): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'user-agent': 'opsfn-health-sweep', accept: 'application/json, */*' };
  for (const [name, value] of Object.entries(check.headers)) {
    headers[name.toLowerCase()] = typeof value === 'string' ? value : await env.ctx.secret(value);
  }
  if (check.idToken) {
    headers.authorization = `Bearer ${await env.deps.idToken(check.idToken.audience ?? url.origin)}`;
  }
  return headers;
}

/**
 * `http`: one request, judged by status (2xx unless `expect.status`), body pattern, JSON fields and latency
 * (over `maxLatency` warns); a readiness body is read for each dependency's status, and the down ones that are
 * not the service's own parts are reported so no restart follows.
 */
export async function probeHttp(check: HttpCheck, env: ProbeEnv): Promise<CheckResult> {
  const url = new URL(check.url);
  const headers = await headersFor(check, env, url);
  const ca = check.caFile ? await env.deps.readCa(check.caFile) : undefined;
  const what = `${check.method} ${url.origin}${url.pathname}`;
  const started = performance.now();
  let answer: Awaited<ReturnType<typeof sendRequest>>;
  try {
    answer = await sendRequest(
      url,
      { method: check.method, headers, body: check.body, ca },
      env.deps.agents,
      env.signal,
    );
  } catch (error) {
    if (env.signal.aborted) throw error;
    return { status: 'fail', latencyMs: since(started), detail: `${what}: ${describeNetworkError(error, url.host)}` };
  }
  const latencyMs = since(started);
  const problems: { status: CheckStatus; text: string }[] = [];
  const expected = check.expect.status;
  const statusOk = expected ? expected.includes(answer.status) : answer.status >= 200 && answer.status < 300;
  if (!statusOk) problems.push({ status: 'fail', text: `expected ${expected?.join(' or ') ?? '2xx'}` });
  if (check.expect.body !== undefined && !new RegExp(check.expect.body).test(answer.body)) {
    problems.push({ status: 'fail', text: `body does not match /${check.expect.body}/` });
  }
  if (check.expect.json) {
    for (const text of jsonProblems(answer.body, check.expect.json)) problems.push({ status: 'fail', text });
  }
  const maxLatency = check.expect.maxLatency;
  if (maxLatency !== undefined && latencyMs > maxLatency) {
    problems.push({ status: 'warn', text: `slow: over ${maxLatency} ms` });
  }
  const result: CheckResult = { status: 'ok', latencyMs, detail: '', data: { httpStatus: answer.status } };
  let tail = '';
  if (check.ready ?? READY_PATH.test(url.pathname)) {
    const readiness = parseReadiness(answer.body);
    if ('error' in readiness) {
      problems.push({ status: 'fail', text: readiness.error });
    } else {
      result.dependencies = readiness.dependencies;
      const down = readiness.dependencies.filter((d) => d.state === 'down');
      const external = down.map((d) => d.name).filter((name) => !check.internal.includes(name));
      if (external.length > 0) result.downDependencies = external;
      if (readiness.status !== undefined && stateOf(readiness.status) === 'down' && statusOk) {
        problems.push({ status: 'fail', text: `status ${readiness.status}` });
      } else if (down.length > 0 && statusOk) {
        problems.push({ status: 'warn', text: `${down.length} dependency down` });
      }
      if (readiness.dependencies.length > 0) tail = `; dependencies: ${describeDependencies(readiness.dependencies)}`;
    }
  }
  result.status = worst(...problems.map((p) => p.status));
  const why = problems.length > 0 ? ` (${problems.map((p) => p.text).join('; ')})` : '';
  result.detail = `${what} → ${answer.status} in ${latencyMs} ms${why}${tail}`;
  return result;
}
