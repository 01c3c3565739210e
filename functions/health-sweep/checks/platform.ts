import type { PlatformHealth } from '../../../shared/adapters/platforms/index.js';
import { NotFoundError } from '../../../shared/core/errors/index.js';
import type { PlatformCheck } from '../config.js';
import { against, type CheckResult, type CheckStatus, type ProbeEnv, since, worst } from './types.js';

const POD_NOTE = 'pod:';

/**
 * Judges a platform's view of a service. Cloud Run: not Ready fails, a latest created revision that never got
 * Ready (a failed deploy, the previous one still serving) warns. Kubernetes: no available replica or a pod in
 * CrashLoopBackOff fails, fewer available than desired or pods not Running/Ready warn, and container restarts
 * since the previous sweep are judged against `restarts`.
 */
export function judgePlatform(
  health: PlatformHealth,
  previous: Record<string, number> | undefined,
  limits: PlatformCheck['restarts'],
): { status: CheckStatus; parts: string[]; notes: Record<string, number> } {
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
    return { status: worst(...statuses), parts, notes };
  }
  const r = health.replicas ?? { desired: 0, available: 0, ready: 0, updated: 0 };
  parts.push(`${r.available}/${r.desired} available`);
  if (r.desired > 0 && r.available === 0) statuses.push('fail');
  else if (r.available < r.desired) statuses.push('warn');
  if (health.paused) {
    statuses.push('warn');
    parts.push('rollout paused');
  }
  const pods = health.pods ?? [];
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
  let growth = 0;
  for (const pod of pods) {
    notes[`${POD_NOTE}${pod.name}`] = pod.restarts;
    const before = previous?.[`${POD_NOTE}${pod.name}`];
    if (before !== undefined) growth += Math.max(0, pod.restarts - before);
  }
  if (previous !== undefined) {
    statuses.push(against(growth, limits));
    if (growth > 0) parts.push(`${growth} container restart(s) since the previous sweep`);
  }
  return { status: worst(...statuses), parts, notes };
}

/** `platform`: reads the service from Cloud Run or Kubernetes and judges it. */
export async function probePlatform(check: PlatformCheck, env: ProbeEnv): Promise<CheckResult> {
  const service = env.ctx.config.services[check.service];
  if (!service) throw new NotFoundError(`unknown service "${check.service}" (not in the estate's services)`);
  const started = performance.now();
  const platform = await env.deps.platform({ key: check.service, service }, env.ctx);
  const health = await platform.health();
  const latencyMs = since(started);
  const { status, parts, notes } = judgePlatform(health, env.notes, check.restarts);
  return {
    status,
    latencyMs,
    detail: `${health.target}: ${parts.join('; ')}`,
    notes,
    data: { platform: health.platform },
  };
}
