import type { PlatformHealth } from '../../../shared/adapters/platforms/index.js';
import { NotFoundError } from '../../../shared/core/errors/index.js';
import type { PlatformCheck } from '../config.js';
import { against, type CheckResult, type CheckStatus, type ProbeEnv, since, worst } from './types.js';

const POD_NOTE = 'pod:';

/** What {@link judgePlatform} found. */
export interface PlatformJudgement {
  status: CheckStatus;
  parts: string[];
  notes: Record<string, number>;
  /** Container restarts since the previous sweep reached `restarts.fail`: down at once (see `CheckResult.growth`). */
  growth: boolean;
}

/**
 * Judges a platform's view of a service. Cloud Run: not Ready fails, a latest created revision that never got
 * Ready (a failed deploy, the previous one still serving) warns. Kubernetes: no available replica or a pod in
 * CrashLoopBackOff fails, fewer available than desired or pods not Running/Ready warn, a Deployment scaled to 0
 * warns unless `scaleToZero`, and container restarts since the previous sweep are judged against `restarts`.
 * Compose: no container at all fails (the project is down, or its project or service name matches nothing);
 * otherwise its containers are judged as Kubernetes pods are.
 */
export function judgePlatform(
  health: PlatformHealth,
  previous: Record<string, number> | undefined,
  check: { restarts: PlatformCheck['restarts']; scaleToZero?: boolean | undefined },
): PlatformJudgement {
  const statuses: CheckStatus[] = [];
  const parts: string[] = [];
  const notes: Record<string, number> = {};
  if (health.platform === 'cloud-run') {
    if (!health.ready) statuses.push('fail');
    parts.push(health.ready ? 'Ready' : `not Ready${health.message ? `: ${health.message}` : ''}`);
    if (health.latestCreated && health.latestReady && health.latestCreated !== health.latestReady) {
      statuses.push('warn');
      parts.push(
        `latest revision ${health.latestCreated} is not ready (a failed deploy; ${health.latestReady} serves)`,
      );
    }
    return { status: worst(...statuses), parts, notes, growth: false };
  }
  const pods = health.pods ?? [];
  if (health.platform === 'compose' && pods.length === 0) {
    // Compose knows no desired count: every container it created is desired, so none reads as "0/0 available".
    // That is `docker compose down`, or labels that match nothing (a wrong project or service name).
    const why = 'the project is down, or no container has its project and service labels';
    return { status: 'fail', parts: [`${health.message ?? 'no containers'} (${why})`], notes, growth: false };
  }
  const r = health.replicas ?? { desired: 0, available: 0, ready: 0, updated: 0 };
  parts.push(`${r.available}/${r.desired} available`);
  if (r.desired > 0 && r.available === 0) statuses.push('fail');
  else if (r.available < r.desired) statuses.push('warn');
  if (r.desired === 0 && health.platform === 'kubernetes') {
    if (!check.scaleToZero) statuses.push('warn');
    parts.push(check.scaleToZero ? 'scaled to zero' : 'scaled to 0 replicas (set scaleToZero if that is expected)');
  }
  if (health.paused) {
    statuses.push('warn');
    parts.push('rollout paused');
  }
  const crashing = pods.filter((p) => p.waiting === 'CrashLoopBackOff');
  if (crashing.length > 0) {
    statuses.push('fail');
    parts.push(
      `CrashLoopBackOff: ${crashing
        .slice(0, 5)
        .map((p) => p.name)
        .join(', ')}`,
    );
  }
  const unwell = pods.filter((p) => !crashing.includes(p) && (p.phase !== 'Running' || !p.ready));
  if (unwell.length > 0) {
    statuses.push('warn');
    parts.push(
      `not Running/Ready: ${unwell
        .slice(0, 5)
        .map((p) => `${p.name} ${p.waiting ?? p.phase}`)
        .join(', ')}`,
    );
  }
  let restarts = 0;
  for (const pod of pods) {
    notes[`${POD_NOTE}${pod.name}`] = pod.restarts;
    const before = previous?.[`${POD_NOTE}${pod.name}`];
    if (before !== undefined) restarts += Math.max(0, pod.restarts - before);
  }
  let growth = false;
  if (previous !== undefined) {
    const judged = against(restarts, check.restarts);
    statuses.push(judged);
    // Restarts are counted once, by the sweep that sees them: the next one counts only newer ones.
    growth = judged === 'fail';
    if (restarts > 0) parts.push(`${restarts} container restart(s) since the previous sweep`);
  }
  return { status: worst(...statuses), parts, notes, growth };
}

/** `platform`: reads the service from Cloud Run or Kubernetes and judges it. */
export async function probePlatform(check: PlatformCheck, env: ProbeEnv): Promise<CheckResult> {
  const service = env.ctx.config.services[check.service];
  if (!service) throw new NotFoundError(`unknown service "${check.service}" (not in the estate's services)`);
  const started = performance.now();
  const platform = await env.deps.platform({ key: check.service, service }, env.ctx);
  const health = await platform.health();
  const latencyMs = since(started);
  const { status, parts, notes, growth } = judgePlatform(health, env.notes, check);
  return {
    status,
    latencyMs,
    detail: `${health.target}: ${parts.join('; ')}`,
    notes,
    ...(growth ? { growth: true } : {}),
    data: { platform: health.platform },
  };
}
