import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrentChangeError, ServingChangedError } from '../../../../shared/adapters/platforms/errors.js';
import { KubernetesHpaClient } from '../../../../shared/adapters/platforms/kubernetes-hpa.js';
import { KubernetesPlatform } from '../../../../shared/adapters/platforms/kubernetes-platform.js';
import { BadInputError } from '../../../../shared/core/errors/ops-error.js';
import { FakeKubernetes } from '../../../fakes/kubernetes.js';
import { httpFaults, runPlatformContract } from './contract.js';

const DEPLOYMENT = /^\/apis\/apps\/v1\/namespaces\/prod\/deployments\/backend$/;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** A fake API server with Deployment prod/backend of three ReplicaSets, and the adapter bound to it. */
async function kubernetes(): Promise<{ fake: FakeKubernetes; platform: KubernetesPlatform }> {
  const fake = new FakeKubernetes();
  fake.addDeployment('prod', 'backend', ['app:1', 'app:2', 'app:3'], [ago(600), ago(300), ago(5)]);
  return { fake, platform: bind(await fake.server.start()) };
}

function bind(server: string): KubernetesPlatform {
  return new KubernetesPlatform({
    namespace: 'prod',
    deployment: 'backend',
    server,
    token: 'k8s-token',
    timeoutMs: 300,
    retries: 2,
    retryDelayMs: 5,
    pollMs: 5,
  });
}

runPlatformContract(
  'KubernetesPlatform',
  async () => {
    const { fake, platform } = await kubernetes();
    return {
      platform,
      serving: 'backend-h27',
      previous: 'backend-h17',
      scale: { change: { platform: 'kubernetes', replicas: 5 }, expect: { platform: 'kubernetes', replicas: 5 } },
      ...(await httpFaults(bind, fake.server, DEPLOYMENT, { status: 503, body: { kind: 'Status', code: 503 } })),
      close: () => fake.server.stop(),
    };
  },
  { retriesReads: true },
);

describe('KubernetesPlatform', () => {
  let fake: FakeKubernetes;
  let platform: KubernetesPlatform;

  beforeEach(async () => {
    ({ fake, platform } = await kubernetes());
  });
  afterEach(() => fake.server.stop());

  it('serves from the newest ReplicaSet and lists the others by revision', async () => {
    const status = await platform.status();
    expect(status.serving).toBe(status.revisions[0]?.name);
    expect(status.revisions.map((r) => r.number)).toEqual([3, 2, 1]);
    expect(status.revisions[0]?.image).toBe('app:3');
    expect(status.ready).toBe(true);
    const list = fake.server.find('GET', /\/replicasets$/)[0];
    expect(list?.query.get('labelSelector')).toBe('app=backend');
    expect(list?.headers.authorization).toBe('Bearer k8s-token');
  });

  it('undoes the rollout with a JSON Patch like kubectl and waits for it', async () => {
    fake.rolloutPolls = 2;
    const before = await platform.status();
    const target = before.revisions[1]?.name as string;
    const after = await platform.routeAll(target);
    const [patch] = fake.server.find('PATCH', DEPLOYMENT);
    expect(patch?.headers['content-type']).toMatch(/^application\/json-patch\+json/);
    const ops = patch?.body as { op: string; path: string; value: { metadata?: { labels?: object } } }[];
    expect(ops.map((o) => `${o.op} ${o.path}`)).toEqual([
      'test /metadata/generation',
      'replace /spec/template',
      'replace /metadata/annotations',
    ]);
    expect(ops[1]?.value.metadata?.labels).toEqual({ app: 'backend' });
    expect(fake.image('prod', 'backend')).toBe('app:2');
    expect(after.serving).toBe(target);
    expect(after.ready).toBe(true);
  });

  it('rolls back a rollout stuck past its deadline, judging conditions only once the new generation is observed', async () => {
    fake.failRollout('prod', 'backend');
    const target = (await platform.status()).revisions[1]?.name as string;
    const after = await platform.routeAll(target);
    expect(fake.image('prod', 'backend')).toBe('app:2');
    expect(after.ready).toBe(true);
    expect(fake.server.find('GET', DEPLOYMENT).length).toBeGreaterThanOrEqual(3);
  });

  it('reports a rollback that itself exceeds its progress deadline as failed', async () => {
    fake.rolloutPolls = 3;
    const target = (await platform.status()).revisions[1]?.name as string;
    fake.server.listeners.push((r) => {
      const d = fake.deployments.get('prod/backend');
      if (r.method === 'GET' && DEPLOYMENT.test(r.path) && d?.status.observedGeneration === d?.metadata.generation) {
        fake.failRollout('prod', 'backend');
      }
    });
    await expect(platform.routeAll(target)).rejects.toThrow(/rollout of prod\/backend failed: .*timed out progressing/);
  });

  it('refuses to roll back a paused Deployment and patches nothing', async () => {
    fake.deployments.get('prod/backend')!.spec.paused = true;
    const target = (await platform.status()).revisions[1]?.name as string;
    await expect(platform.routeAll(target)).rejects.toBeInstanceOf(BadInputError);
    expect(fake.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
  });

  it('refuses a ReplicaSet that the Deployment does not own', async () => {
    await expect(platform.routeAll('other-rs')).rejects.toThrow(/not a revision of deployment prod\/backend/);
  });

  it('reads replicas from the scale subresource and detects an HPA', async () => {
    fake.hpas.push({
      metadata: { name: 'backend-hpa', namespace: 'prod' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' },
        minReplicas: 2,
        maxReplicas: 8,
      },
    });
    await expect(platform.scaling()).resolves.toEqual({
      platform: 'kubernetes',
      replicas: 2,
      version: '1',
      hpa: { name: 'backend-hpa', min: 2, max: 8 },
    });
  });

  it('sets replicas with a merge patch on the scale subresource', async () => {
    const state = await platform.scale({ platform: 'kubernetes', replicas: 5 });
    const [patch] = fake.server.find('PATCH', /\/deployments\/backend\/scale$/);
    expect(patch?.headers['content-type']).toMatch(/^application\/merge-patch\+json/);
    expect(patch?.body).toEqual({ spec: { replicas: 5 } });
    expect(state.replicas).toBe(5);
  });

  it('refuses to overwrite replicas someone changed since the read the change is based on', async () => {
    const read = await platform.scaling();
    // kubectl scale --replicas=8 lands in between.
    await platform.scale({ platform: 'kubernetes', replicas: 8 });
    await expect(platform.scale({ platform: 'kubernetes', replicas: 5, version: read.version })).rejects.toMatchObject({
      kind: 'locked',
    });
    expect((await platform.scaling()).replicas).toBe(8);
  });
});

describe('KubernetesPlatform writes while the controllers write status', () => {
  let fake: FakeKubernetes;
  let platform: KubernetesPlatform;

  beforeEach(async () => {
    ({ fake, platform } = await kubernetes());
  });
  afterEach(() => fake.server.stop());

  /** Runs `write` once, on the first request matching `method` and `path`, before the fake answers it. */
  const onceBefore = (method: string, path: RegExp, write: () => void) => {
    let done = false;
    fake.server.listeners.push((r) => {
      if (done || r.method !== method || !path.test(r.path)) return;
      done = true;
      write();
    });
  };

  it('rolls back though a status write moved the resourceVersion between the read and the patch', async () => {
    const target = (await platform.status()).revisions[1]?.name as string;
    onceBefore('PATCH', DEPLOYMENT, () => fake.writeStatus('prod', 'backend'));
    const after = await platform.routeAll(target, { expectServing: 'backend-h27' });
    expect(fake.image('prod', 'backend')).toBe('app:2');
    expect(after.serving).toBe(target);
  });

  it('goes again on the new generation after an HPA scale, and refuses a template written since the read', async () => {
    const target = (await platform.status()).revisions[1]?.name as string;
    // The HPA scales the Deployment (spec.replicas: generation moves, the template does not).
    onceBefore('PATCH', DEPLOYMENT, () => {
      const d = fake.deployments.get('prod/backend') ?? {};
      d.spec.replicas += 1;
      d.metadata.generation += 1;
    });
    await platform.routeAll(target, { expectServing: 'backend-h27' });
    expect(fake.image('prod', 'backend')).toBe('app:2');
    expect(fake.server.find('PATCH', DEPLOYMENT)).toHaveLength(2);

    // `kubectl set image … app:3` between the read and the patch: the rollback would undo a deploy nobody judged.
    const again = (await platform.status()).revisions.find((r) => r.name === 'backend-h07')?.name as string;
    onceBefore('PATCH', DEPLOYMENT, () => {
      const d = fake.deployments.get('prod/backend') ?? {};
      d.spec.template.spec.containers[0].image = 'app:3';
      d.metadata.generation += 1;
    });
    await expect(platform.routeAll(again, { expectServing: 'backend-h17' })).rejects.toBeInstanceOf(
      ServingChangedError,
    );
    expect(fake.image('prod', 'backend')).toBe('app:3');
  });

  it('scales though a status write moved the Scale’s resourceVersion since the read, but not over a change of replicas', async () => {
    const read = await platform.scaling();
    fake.writeStatus('prod', 'backend');
    const change = { platform: 'kubernetes', replicas: 5, version: read.version, from: read.replicas } as const;
    await expect(platform.scale(change)).resolves.toMatchObject({ replicas: 5 });
    const second = await platform.scaling();
    await platform.scale({ platform: 'kubernetes', replicas: 8 });
    await expect(
      platform.scale({ platform: 'kubernetes', replicas: 6, version: second.version, from: second.replicas }),
    ).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect((await platform.scaling()).replicas).toBe(8);
  });

  it('sets an HPA’s minReplicas though its controller wrote status since the read, but not over a change of bounds', async () => {
    fake.hpas.push({
      metadata: { name: 'backend-hpa', namespace: 'prod', resourceVersion: '1' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' },
        minReplicas: 2,
        maxReplicas: 8,
      },
    });
    const hpa = new KubernetesHpaClient({
      server: fake.server.url,
      token: 'k8s-token',
      namespace: 'prod',
      deployment: 'backend',
    });
    const read = (await platform.scaling()).hpa;
    fake.writeHpaStatus('prod', 'backend-hpa');
    await hpa.setMinReplicas('backend-hpa', 4, 8, read?.version, read?.min);
    expect(fake.hpas[0]?.spec.minReplicas).toBe(4);
    const second = (await platform.scaling()).hpa;
    await hpa.setMinReplicas('backend-hpa', 3, 8);
    await expect(hpa.setMinReplicas('backend-hpa', 5, 8, second?.version, second?.min)).rejects.toBeInstanceOf(
      ConcurrentChangeError,
    );
    expect(fake.hpas[0]?.spec.minReplicas).toBe(3);
  });
});
