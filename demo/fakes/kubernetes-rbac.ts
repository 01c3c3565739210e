import type { FakeReply, RecordedRequest } from './recording-server.js';

/** One PolicyRule of a Role, as `rbac.authorization.k8s.io/v1` writes it. */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** RBAC enforcement for the Kubernetes fake: the rules in force, and the permissions requests used or were denied. */
export interface FakeRbac {
  rules: RbacRule[];
  /** `group/resource[/subresource]:verb` of every allowed request (`core` for the core group). */
  used: Set<string>;
  denied: Set<string>;
}

const PATH = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

/**
 * Authorizes a request as the API server's RBAC authorizer would for a namespaced resource: the verb comes from
 * the method and whether a name is given (GET one → get, GET all → list or watch, PATCH → patch, …). Returns the
 * 403 Status to send, or undefined when one rule allows it.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb
 */
export function authorize(rbac: FakeRbac, r: RecordedRequest): FakeReply | undefined {
  const m = PATH.exec(r.path);
  const group = m?.[1] ?? '';
  const [namespace, resource, name, sub] = [m?.[2], m?.[3] ?? r.path, m?.[4], m?.[5]];
  const collection: Record<string, string> = {
    GET: r.query.get('watch') === 'true' ? 'watch' : 'list',
    POST: 'create',
    DELETE: 'deletecollection',
  };
  const single: Record<string, string> = { GET: 'get', PATCH: 'patch', PUT: 'update', DELETE: 'delete' };
  const verb = (name ? single : collection)[r.method] ?? r.method.toLowerCase();
  const full = sub ? `${resource}/${sub}` : resource;
  const key = `${group || 'core'}/${full}:${verb}`;
  const allowed =
    m !== null &&
    rbac.rules.some(
      (rule) =>
        (rule.apiGroups.includes(group) || rule.apiGroups.includes('*')) &&
        (rule.resources.includes(full) || rule.resources.includes('*')) &&
        (rule.verbs.includes(verb) || rule.verbs.includes('*')),
    );
  if (allowed) {
    rbac.used.add(key);
    return undefined;
  }
  rbac.denied.add(key);
  const what = `${full}${group ? `.${group}` : ''}${name ? ` "${name}"` : ''}`;
  const message = `${what} is forbidden: User "system:serviceaccount:opsfn:opsfn" cannot ${verb} resource "${full}" in API group "${group}" in the namespace "${namespace}"`;
  return {
    status: 403,
    body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', message, code: 403 },
  };
}
