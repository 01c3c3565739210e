import type { K8sDeployment, K8sPodTemplate } from './kubernetes-rollout.js';
import type { PlatformHealth, PodHealth } from './service-platform.js';

/** The annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** The Pod fields this module reads. */
export interface K8sPod {
  metadata?: { name?: string };
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: { restartCount?: number; state?: { waiting?: { reason?: string } } }[];
  };
}

/** A pod's health: phase, Ready condition, restarts summed over its containers, and why a container waits. */
export function toPodHealth(pod: K8sPod): PodHealth {
  const containers = pod.status?.containerStatuses ?? [];
  const waiting = containers.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined && r !== '');
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: containers.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    ...(waiting ? { waiting } : {}),
  };
}

/** Builds the port's health view of a Deployment and its pods. */
export function toKubernetesHealth(target: string, d: K8sDeployment, pods: readonly K8sPod[]): PlatformHealth {
  const s = d.status ?? {};
  const replicas = {
    desired: d.spec?.replicas ?? 1,
    available: s.availableReplicas ?? 0,
    ready: s.readyReplicas ?? 0,
    updated: s.updatedReplicas ?? 0,
  };
  const failing = s.conditions?.find((c) => c.status === 'False' && c.message);
  const ready = replicas.available >= replicas.desired;
  return {
    platform: 'kubernetes',
    target,
    ready,
    ...(!ready && failing?.message ? { message: failing.message } : {}),
    replicas,
    pods: pods.map(toPodHealth),
    paused: d.spec?.paused === true,
  };
}

/**
 * The pod template of a rollout restart: the Deployment's own with `kubectl.kubernetes.io/restartedAt` set,
 * which the deployment controller rolls out like any template change.
 */
export function restartedTemplate(d: K8sDeployment, at: Date): K8sPodTemplate {
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    annotations: { ...template.metadata?.annotations, [RESTARTED_AT_ANNOTATION]: at.toISOString() },
  };
  return template;
}
