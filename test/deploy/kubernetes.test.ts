import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EstateSchema } from '../../functions/estate.js';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import type { FakeRbac, RbacRule } from '../fakes/kubernetes-rbac.js';

const BASE = join(import.meta.dirname, '../../deploy/kubernetes');
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML
const manifest = (file: string): any => parse(readFileSync(join(BASE, file), 'utf8'));

const role = manifest('role.yaml') as { rules: RbacRule[] };
const rbac: FakeRbac = { rules: role.rules, used: new Set(), denied: new Set() };

// Every Kubernetes fake the two suites below build enforces the Role: a call it does not allow is a 403 and
// fails the suite's own assertions; afterwards each granted verb must have been used.
FakeKubernetes.rbacByDefault = rbac;
await import('../functions/rollback/rollback-kubernetes.test.js');
await import('../functions/autoscale/autoscale-kubernetes.test.js');

describe('deploy/kubernetes', () => {
  it('grants the Role exactly the permissions the rollback and autoscale suites used', () => {
    const granted = role.rules.flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group || 'core'}/${resource}:${verb}`)),
      ),
    );
    expect([...rbac.denied]).toEqual([]);
    expect([...rbac.used].sort()).toEqual(granted.sort());
  });

  it('lists every manifest in the kustomization, with the estate config generated into a ConfigMap', () => {
    const kustomization = manifest('kustomization.yaml');
    for (const file of kustomization.resources) expect(() => manifest(file), file).not.toThrow();
    expect(kustomization.configMapGenerator).toEqual([{ name: 'opsfn-config', files: ['opsfn.yaml'] }]);
    expect(EstateSchema.safeParse(manifest('opsfn.yaml')).success).toBe(true);
  });

  it('runs two non-root replicas with /healthz and /readyz probes under a PodDisruptionBudget', () => {
    const deployment = manifest('deployment.yaml');
    const container = deployment.spec.template.spec.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.serviceAccountName).toBe(manifest('serviceaccount.yaml').metadata.name);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    // A replica that outgrows its memory is restarted, not left to grow.
    expect(container.resources.limits.memory).toBe('512Mi');
    expect(manifest('pdb.yaml').spec.minAvailable).toBe(1);
    expect(manifest('rolebinding.yaml').roleRef.name).toBe(manifest('role.yaml').metadata.name);
  });
});
