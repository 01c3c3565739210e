import { isDeepStrictEqual } from 'node:util';
import type { RevisionInfo, ServiceStatus } from './service-platform.js';

/** The annotation holding a ReplicaSet's (and a Deployment's) rollout revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

// kubectl keeps these from the Deployment and copies every other annotation from the ReplicaSet (rollback.go).
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** The Deployment fields this module reads. */
export interface K8sDeployment {
  metadata?: {
    name?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: { replicas?: number; paused?: boolean; template?: K8sPodTemplate; selector?: K8sSelector };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/** A pod template as it appears in a Deployment or a ReplicaSet. */
export interface K8sPodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers: { image?: string }[] };
}

/** A label selector. */
export interface K8sSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The ReplicaSet fields this module reads. */
export interface K8sReplicaSet {
  metadata?: {
    name?: string;
    creationTimestamp?: Date | string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; controller?: boolean }[];
  };
  spec?: { replicas?: number; template?: K8sPodTemplate };
  status?: { replicas?: number; readyReplicas?: number };
}

/** A label selector as the `labelSelector` query string (`app=web,tier in (a,b)`). */
export function selectorString(selector: K8sSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** A ReplicaSet's rollout revision, undefined when the annotation is missing or malformed. */
export function revisionOf(rs: K8sReplicaSet): number | undefined {
  const text = rs.metadata?.annotations?.[REVISION_ANNOTATION];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The ReplicaSets the Deployment controls (controller owner reference with its uid), highest revision first. */
export function ownedReplicaSets(deployment: K8sDeployment, all: readonly K8sReplicaSet[]): K8sReplicaSet[] {
  const uid = deployment.metadata?.uid;
  return all
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller === true && o.uid === uid))
    .filter((rs) => revisionOf(rs) !== undefined)
    .sort((a, b) => (revisionOf(b) ?? 0) - (revisionOf(a) ?? 0));
}

/** A pod template without the `pod-template-hash` label the controller adds to ReplicaSets. */
export function withoutHash(template: K8sPodTemplate | undefined): K8sPodTemplate {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels['pod-template-hash'];
  }
  return copy;
}

/** Whether two pod templates are equal once the `pod-template-hash` label is ignored. */
export function sameTemplate(a: K8sPodTemplate | undefined, b: K8sPodTemplate | undefined): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(withoutHash(a))), JSON.parse(JSON.stringify(withoutHash(b))));
}

/** The JSON Patch `kubectl rollout undo` sends to roll `deployment` back to `rs`. */
export function undoPatch(
  deployment: K8sDeployment,
  rs: K8sReplicaSet,
): { op: 'replace'; path: string; value: unknown }[] {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) {
    if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  }
  return [
    { op: 'replace', path: '/spec/template', value: withoutHash(rs.spec?.template) },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}

/**
 * Where a rollout stands, as `kubectl rollout status` judges it (kubectl `polymorphichelpers/rollout_status.go`,
 * `DeploymentStatusViewer.Status`): nothing in `status` counts until the controller has observed the latest
 * generation, because until then its conditions and counts describe the previous rollout.
 */
/**
 * Why a Deployment is in the middle of a rollout, or undefined when it is not: a generation the controller has not
 * observed, or pods of its template still fewer than desired while older ones run. Pods of the current template
 * that crash or are not ready are no rollout (what a restart is for).
 */
export function rollingOut(d: K8sDeployment): string | undefined {
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return 'a change the controller has not observed yet';
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want || (s.replicas ?? 0) > updated) {
    return `${updated} of ${want} pod(s) on the current template, ${Math.max(0, (s.replicas ?? 0) - updated)} older`;
  }
  return undefined;
}

export function rolloutState(d: K8sDeployment): { done: boolean; failed?: string } {
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: progressing.message ?? 'progress deadline exceeded' };
  }
  const want = d.spec?.replicas ?? 1;
  const done =
    (s.updatedReplicas ?? 0) >= want &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
  return { done };
}

function toRevisionInfo(rs: K8sReplicaSet, percent: number): RevisionInfo {
  const created = rs.metadata?.creationTimestamp;
  const want = rs.spec?.replicas ?? 0;
  const image = rs.spec?.template?.spec?.containers?.[0]?.image;
  const number = revisionOf(rs);
  return {
    name: rs.metadata?.name ?? '',
    createdAt: created ? new Date(created).toISOString() : new Date(0).toISOString(),
    ready: (rs.status?.readyReplicas ?? 0) >= want,
    percent,
    ...(number === undefined ? {} : { number }),
    ...(image ? { image } : {}),
  };
}

/** Builds the port's view of a Deployment: the newest ReplicaSet serves; shares follow ready replicas. */
export function toDeploymentStatus(target: string, d: K8sDeployment, all: readonly K8sReplicaSet[]): ServiceStatus {
  const owned = ownedReplicaSets(d, all);
  const current = owned.find((rs) => sameTemplate(rs.spec?.template, d.spec?.template)) ?? owned[0];
  const readyTotal = owned.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
  const share = (rs: K8sReplicaSet) =>
    readyTotal === 0 ? (rs === current ? 100 : 0) : Math.round(((rs.status?.readyReplicas ?? 0) * 100) / readyTotal);
  const revisions = owned.map((rs) => toRevisionInfo(rs, share(rs)));
  const serving = current?.metadata?.name;
  return {
    platform: 'kubernetes',
    target,
    ready: rolloutState(d).done,
    serving,
    traffic: revisions.filter((r) => r.percent > 0).map((r) => ({ revision: r.name, percent: r.percent })),
    revisions,
    paused: d.spec?.paused === true,
  };
}
