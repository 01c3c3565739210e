import type { Estate } from '../../../shared/core/config/index.js';
import { formatDuration } from '../../../shared/core/config/index.js';
import { type Context, withDeadline } from '../../../shared/core/run/index.js';
import type { CheckEntry, HealthCheck } from '../config.js';
import type { HealthSweepDeps } from '../deps.js';
import { probeDatabase } from './database.js';
import { probeHttp } from './http.js';
import { describeNetworkError } from './http-request.js';
import { probePlatform } from './platform.js';
import { probeQuery } from './query.js';
import { probeRedis } from './redis.js';
import { probeRedisStream } from './redis-stream.js';
import { probeTcp } from './tcp.js';
import type { CheckResult, ProbeEnv } from './types.js';

/** What running one check needs from the sweep. */
export interface CheckRunEnv {
  ctx: Context;
  deps: HealthSweepDeps;
  /** Aborts when the sweep's budget runs out or the run ends. */
  signal: AbortSignal;
  /** The notes the check kept at its previous run. */
  notes: Record<string, number> | undefined;
}

/** Why a check's estate references do not hold (an unknown service, a restart with nothing to restart). */
export function referenceProblem(check: HealthCheck, config: Estate): string | undefined {
  if (check.service !== undefined && !config.services[check.service]) {
    return `unknown service "${check.service}" (not in the estate's services)`;
  }
  if (check.remediate && check.service === undefined) return 'remediate needs "service": the service to restart';
  return undefined;
}

function probe(check: HealthCheck, env: ProbeEnv): Promise<CheckResult> {
  switch (check.kind) {
    case 'http':
      return probeHttp(check, env);
    case 'postgres':
    case 'mysql':
      return probeDatabase(check, env);
    case 'redis':
      return probeRedis(check, env);
    case 'redis-stream':
      return probeRedisStream(check, env);
    case 'tcp':
      return probeTcp(check, env);
    case 'query':
      return probeQuery(check, env);
    case 'platform':
      return probePlatform(check, env);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * Runs one check within its own timeout and the sweep's; whatever goes wrong (bad config, DNS, a hung server,
 * a malformed answer, a thrown error) becomes a failing result naming it, never an exception. A check the sweep
 * had no time left to start is `notRun`.
 */
export async function runCheck(entry: CheckEntry, env: CheckRunEnv): Promise<CheckResult> {
  if (entry.kind === 'invalid') return { status: 'fail', latencyMs: 0, detail: `invalid check: ${entry.problem}` };
  const problem = referenceProblem(entry, env.ctx.config);
  if (problem) return { status: 'fail', latencyMs: 0, detail: `invalid check: ${problem}` };
  // Still queued when the sweep's time ran out: nothing was asked of the target, so nothing is known of it.
  if (env.signal.aborted) {
    return { status: 'fail', latencyMs: 0, detail: 'not run: the sweep ran out of time first', notRun: true };
  }
  const deadline = withDeadline(env.signal, entry.timeout);
  const { signal } = deadline;
  const started = performance.now();
  try {
    return await Promise.race([probe(entry, { ...env, signal }), aborted(signal)]);
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    if (deadline.timedOut()) {
      return { status: 'fail', latencyMs, detail: `no answer within ${formatDuration(entry.timeout)}` };
    }
    if (env.signal.aborted) return { status: 'fail', latencyMs, detail: 'the sweep ran out of time before an answer' };
    return { status: 'fail', latencyMs, detail: describeNetworkError(error, '') };
  } finally {
    deadline.clear();
  }
}
