import { promqlRoot, signsRequests } from '../../../shared/adapters/google/index.js';
import { type PromSample, prometheusAuth, queryInstant } from '../../../shared/adapters/metrics/index.js';
import { BadInputError } from '../../../shared/core/errors/index.js';
import type { QueryCheck } from '../config.js';
import { type CheckResult, type CheckStatus, type ProbeEnv, since, worst } from './types.js';

/** Judges one value: `above` makes values at or over a threshold bad, `below` values at or under it. */
export function judgeValue(value: number, check: Pick<QueryCheck, 'warn' | 'fail' | 'direction'>): CheckStatus {
  const bad = (threshold: number | undefined) =>
    threshold !== undefined && (check.direction === 'above' ? value >= threshold : value <= threshold);
  if (bad(check.fail)) return 'fail';
  return bad(check.warn) ? 'warn' : 'ok';
}

function describeSample(sample: PromSample): string {
  const labels = Object.entries(sample.labels)
    .filter(([k]) => k !== '__name__')
    .slice(0, 4)
    .map(([k, v]) => `${k}="${v}"`);
  const value = Number.isInteger(sample.value) ? String(sample.value) : sample.value.toPrecision(4);
  return labels.length > 0 ? `${value} {${labels.join(', ')}}` : value;
}

async function targetOf(check: QueryCheck, env: ProbeEnv) {
  const { endpoints } = env.ctx.config;
  const bounds = { timeoutMs: check.timeout, retries: 1 };
  if (check.source === 'prometheus') {
    const { prometheus } = endpoints;
    if (!prometheus) throw new BadInputError('no endpoints.prometheus in the estate for a prometheus query');
    // The endpoint's own credentials: Managed Service for Prometheus needs a Google token, others bearer/basic.
    const google = { getRequestHeaders: async () => env.deps.googleHeaders() };
    const auth = prometheusAuth(prometheus.credentials, google, (ref) => env.ctx.secret(ref));
    return { url: prometheus.url, ...bounds, ...(auth ? { auth } : {}) };
  }
  // Cloud Monitoring answers PromQL on a Prometheus-compatible API per project.
  const headers = signsRequests(endpoints.monitoring) ? await env.deps.googleHeaders() : {};
  return { url: promqlRoot(endpoints.monitoring?.url, check.project ?? ''), headers, ...bounds };
}

/** `query`: evaluates PromQL now and judges every series against `warn`/`fail`; the worst series is reported. */
export async function probeQuery(check: QueryCheck, env: ProbeEnv): Promise<CheckResult> {
  const target = await targetOf(check, env);
  const started = performance.now();
  const samples = await queryInstant(target, check.query, { signal: env.signal });
  const latencyMs = since(started);
  if (samples.length === 0) {
    return { status: check.noData, latencyMs, detail: `no data for ${check.query.slice(0, 200)}` };
  }
  const judged = samples.map((sample) => ({ sample, status: judgeValue(sample.value, check) }));
  const status = worst(...judged.map((j) => j.status));
  const shown = judged.find((j) => j.status === status) ?? judged[0];
  const sign = check.direction === 'above' ? '≥' : '≤';
  const limits = [
    check.warn === undefined ? '' : `warn ${sign} ${check.warn}`,
    check.fail === undefined ? '' : `fail ${sign} ${check.fail}`,
  ].filter(Boolean);
  const count =
    samples.length > 1 ? `${judged.filter((j) => j.status === status).length}/${samples.length} series ` : '';
  const detail = `${count}${shown ? describeSample(shown.sample) : ''} (${limits.join(', ')})`;
  return { status, latencyMs, detail, data: { series: samples.length } };
}
