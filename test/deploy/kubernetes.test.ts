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

  it('selects its own pods in the PodDisruptionBudget and the NetworkPolicy, which Kustomize labels do not do', () => {
    const labels = manifest('kustomization.yaml').labels[0].pairs;
    expect(manifest('pdb.yaml').spec.selector.matchLabels).toEqual(labels);
    expect(manifest('networkpolicy.yaml').spec.podSelector.matchLabels).toEqual(labels);
  });

  it.each(['001-chat.yaml', '004-after-sales.yaml'])(
    'lets out every destination of the estate it is paired with (examples/%s)',
    (file) => {
      const egress = manifest('networkpolicy.yaml').spec.egress as { to?: unknown[]; ports?: { port: number }[] }[];
      const inCluster = egress.some((rule) => JSON.stringify(rule.to) === '[{"namespaceSelector":{}}]' && !rule.ports);
      const anywhere = new Set(egress.filter((rule) => !rule.to).flatMap((rule) => rule.ports?.map((p) => p.port)));
      const estate = parse(readFileSync(join(import.meta.dirname, '../../examples', file), 'utf8'));
      const DEFAULT_PORT: Record<string, number> = {
        http: 80,
        https: 443,
        postgres: 5432,
        postgresql: 5432,
        mysql: 3306,
      };
      const destinations: { host: string; port: number; what: string }[] = [];
      const walk = (node: unknown, path: string): void => {
        if (typeof node === 'string') {
          const url = /^([a-z]+):\/\/([^/:]+)(?::(\d+))?/.exec(node);
          const port = url ? Number(url[3] ?? DEFAULT_PORT[url[1] ?? '']) : Number.NaN;
          if (url && Number.isFinite(port)) destinations.push({ host: url[2] ?? '', port, what: path });
        } else if (Array.isArray(node)) {
          for (const [i, item] of node.entries()) walk(item, `${path}[${i}]`);
        } else if (node && typeof node === 'object') {
          const o = node as Record<string, unknown>;
          if (typeof o.host === 'string' && typeof o.port === 'number')
            destinations.push({ host: o.host, port: o.port, what: path });
          // A database given by a secret: its host is unknown here, its engine's port is not.
          if ((o.kind === 'postgres' || o.kind === 'mysql') && typeof o.url !== 'string') {
            destinations.push({ host: '(secret)', port: DEFAULT_PORT[o.kind] ?? 0, what: path });
          }
          for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
        }
      };
      walk(estate, file);
      expect(destinations.length).toBeGreaterThan(3);
      const blocked = destinations.filter(({ host, port }) => {
        if (host === 'localhost' || host === '127.0.0.1') return false;
        if (/\.svc(\.cluster\.local)?$/.test(host)) return !inCluster;
        return !anywhere.has(port);
      });
      expect(blocked).toEqual([]);
    },
  );

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
