import type { PolicyMatch, Service } from '../config/index.js';
import { entryOf } from '../config/index.js';
import type { Alert } from '../events/index.js';

/** What matching reads of an alert-driven policy (autoscale, rollback): its name, its `match` and its service. */
export interface AlertPolicy {
  name?: string | undefined;
  match: PolicyMatch;
  /** A key of `services`; when omitted the service comes from the alert's labels. */
  service?: string | undefined;
}

/** An estate service by its key in `services`. */
export interface ServiceRef {
  key: string;
  service: Service;
}

/** Whether `policy.match` accepts the alert: every given field must agree. */
export function policyMatches(policy: Pick<AlertPolicy, 'match'>, alert: Alert): boolean {
  const { match } = policy;
  if (match.alert !== undefined && match.alert !== alert.name) return false;
  if (match.policy !== undefined && match.policy !== alert.policy && match.policy !== alert.annotations.policy_name) {
    return false;
  }
  for (const [key, value] of Object.entries(match.labels ?? {})) {
    if (alert.labels[key] !== value) return false;
  }
  return true;
}

/** The first policy that matches the alert, in config order. */
export function findPolicy<P extends AlertPolicy>(policies: readonly P[], alert: Alert): P | undefined {
  return policies.find((p) => policyMatches(p, alert));
}

/** A policy's display name: its `name`, else its position in `<section>.policies`. */
export function policyName<P extends AlertPolicy>(section: string, policies: readonly P[], policy: P): string {
  return policy.name ?? `${section}.policies[${policies.indexOf(policy)}]`;
}

/**
 * The service an alert is about: the policy's `service`, else the alert's labels (`service_name` for
 * Cloud Run, `deployment` + `namespace` for Kubernetes). A reason instead when none or several match.
 */
export function resolveService(
  services: Record<string, Service>,
  policy: Pick<AlertPolicy, 'service'>,
  labels: Record<string, string>,
): ServiceRef | { error: string } {
  if (policy.service !== undefined) {
    const service = entryOf(services, policy.service);
    return service ? { key: policy.service, service } : { error: `policy names unknown service "${policy.service}"` };
  }
  const entries = Object.entries(services);
  let found: [string, Service][];
  let what: string;
  if (labels.service_name) {
    what = `Cloud Run service "${labels.service_name}"`;
    found = entries.filter(
      ([, s]) =>
        s.platform === 'cloud-run' &&
        s.name === labels.service_name &&
        (!labels.project_id || s.project === labels.project_id) &&
        (!labels.location || s.region === labels.location),
    );
  } else if (labels.deployment) {
    what = `deployment "${labels.namespace ? `${labels.namespace}/` : ''}${labels.deployment}"`;
    found = entries.filter(
      ([, s]) =>
        s.platform === 'kubernetes' &&
        s.deployment === labels.deployment &&
        (!labels.namespace || s.namespace === labels.namespace),
    );
  } else {
    return { error: 'the policy names no service and the alert has no service_name or deployment label' };
  }
  if (found.length === 0) return { error: `no estate service matches ${what}` };
  if (found.length > 1) return { error: `${found.length} estate services match ${what}: name one in the policy` };
  const [key, service] = found[0] as [string, Service];
  return { key, service };
}

/**
 * The policy that governs a service outside an alert: the one whose display name is `recorded` (as
 * {@link policyName} gives it for `section`), else the one naming the service, else the first label-driven one.
 */
export function policyFor<P extends AlertPolicy>(
  section: string,
  policies: readonly P[],
  serviceKey: string,
  recorded?: string,
): P | undefined {
  return (
    (recorded === undefined
      ? undefined
      : policies.find((p, i) => (p.name ?? `${section}.policies[${i}]`) === recorded)) ??
    policies.find((p) => p.service === serviceKey) ??
    policies.find((p) => p.service === undefined)
  );
}
