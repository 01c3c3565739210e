import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { createStateStore } from '../../../shared/core/state/create.js';
import type { StateStore } from '../../../shared/core/state/state-store.js';
import { alert, autoscaleHarness, HPA_PATCH, MINUTE, SCALE_PATCH, sweep } from './harness.js';
import { runAutoscaleSuite } from './suite.js';

type Harness = Awaited<ReturnType<typeof autoscaleHarness>>;

const backend = { deployment: 'backend', namespace: 'shop' };

let state: StateStore;

beforeAll(async () => {
  state = await createStateStore(
    { redis: 'redis://127.0.0.1:6379', prefix: `opsfn-test-autoscale-${randomUUID()}:` },
    { secret: async () => '' },
  );
});
afterAll(async () => {
  for (const key of await state.keys('')) await state.delete(key);
  await state.close();
});

/** Fakes and autoscale over the Redis state, emptied first. */
async function harness(): Promise<Harness> {
  for (const key of await state.keys('')) await state.delete(key);
  return autoscaleHarness({ state });
}

runAutoscaleSuite('Kubernetes, state in Redis (runbook 004)', async () => {
  const h = await harness();
  const scalePatches = () => h.k8s.server.find('PATCH', SCALE_PATCH);
  return {
    state,
    service: 'backend',
    alert: (fingerprint, firing) => alert('BackendSlow', fingerprint, firing, backend),
    invoke: h.invoke,
    advance: h.advance,
    level: async () => h.k8s.deployments.get('shop/backend')?.spec.replicas,
    from: 3,
    to: 5,
    downAfter: 30 * MINUTE,
    manual: {
      payload: { service: 'backend', replicas: 4, reason: 'runbook 004: scale out' },
      summary: 'backend: replicas 3 → 4 (runbook 004: scale out)',
      level: 4,
    },
    refused: { payload: { service: 'backend', min: 4, reason: 'x' }, message: /backend has no HPA: give "replicas"/ },
    unchanged: async () => expect(scalePatches()).toHaveLength(0),
    async steppedUp() {
      const patches = scalePatches();
      expect(patches).toHaveLength(1);
      expect(patches[0]?.headers['content-type']).toMatch(/^application\/merge-patch\+json/);
      expect(patches[0]?.body).toEqual({ metadata: { resourceVersion: expect.any(String) }, spec: { replicas: 5 } });
    },
    close: h.stop,
  };
});

describe('autoscale on Kubernetes, state in Redis', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.stop());

  const replicas = () => h.k8s.deployments.get('shop/backend')?.spec.replicas;
  const hpaMin = () => h.k8s.hpas[0]?.spec.minReplicas;

  it('takes one step for a storm of 50 concurrent alerts with the lock in Redis', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => h.invoke(alert('BackendSlow', `s${i}`, 'firing', backend))));
    expect(h.k8s.server.find('PATCH', SCALE_PATCH)).toHaveLength(1);
    expect(replicas()).toBe(5);
  });

  it('adjusts the HPA minReplicas instead of the replicas of an HPA-managed Deployment', async () => {
    const up = await h.invoke(alert('ApiSlow', 'a1'));
    expect(up.summary).toBe('api: up 2 → 4');
    const patches = h.k8s.server.find('PATCH', HPA_PATCH);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.body).toEqual({ spec: { minReplicas: 4 } });
    expect(hpaMin()).toBe(4);
    expect(h.k8s.server.find('PATCH', /\/deployments\/api\/scale$/)).toHaveLength(0);
    expect(await state.get(AutoscaleKeys.scale('api'))).toMatchObject({ knob: 'kubernetes:hpa:api:min', baseline: 2 });

    await h.invoke(alert('ApiSlow', 'a1', 'resolved'));
    h.advance(31 * MINUTE);
    expect((await h.invoke(sweep())).summary).toBe('api: down 4 → 2');
    expect(hpaMin()).toBe(2);
  });

  it('re-applies replicas and an HPA minReplicas that a redeploy reset to the baseline', async () => {
    await h.invoke(alert('BackendSlow', 'd1', 'firing', backend));
    await h.invoke(alert('ApiSlow', 'd2'));
    const deployment = h.k8s.deployments.get('shop/backend');
    const hpa = h.k8s.hpas[0];
    if (deployment) deployment.spec.replicas = 3;
    if (hpa) hpa.spec.minReplicas = 2;
    h.advance(5 * MINUTE);
    const envelope = await h.invoke(sweep());
    expect(envelope.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'backend', decision: 'reapply', status: 'done', from: 3, to: 5 }),
        expect.objectContaining({ service: 'api', decision: 'reapply', status: 'done', from: 2, to: 4 }),
      ]),
    );
    expect(replicas()).toBe(5);
    expect(hpaMin()).toBe(4);
    expect(h.k8s.server.find('PATCH', SCALE_PATCH)).toHaveLength(2);
    expect(await state.get(AutoscaleKeys.scale('backend'))).toMatchObject({ baseline: 3, applied: 5 });
    expect(await state.get(AutoscaleKeys.scale('api'))).toMatchObject({ baseline: 2, applied: 4 });
  });

  it('keeps the HPA minReplicas within its maxReplicas', async () => {
    const hpa = h.k8s.hpas[0];
    if (hpa) hpa.spec.maxReplicas = 3;
    expect((await h.invoke(alert('ApiSlow', 'a2'))).summary).toBe('api: up 2 → 3');
    expect(hpaMin()).toBe(3);
  });

  it('leaves the HPA untouched and keeps no record when its PATCH fails', async () => {
    h.k8s.server.failNext('PATCH', HPA_PATCH, {
      status: 500,
      body: { kind: 'Status', code: 500, message: 'etcd down' },
    });
    const envelope = await h.invoke(alert('ApiSlow', 'a3'));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.actions).toMatchObject([{ action: 'scale-up', status: 'failed' }]);
    expect(hpaMin()).toBe(2);
    expect(await state.get(AutoscaleKeys.scale('api'))).toBeUndefined();
  });

  it('refuses replicas for an HPA-managed Deployment, and sets its minReplicas by hand', async () => {
    const refused = await h.invoke({
      kind: 'manual',
      id: `m-${randomUUID()}`,
      payload: { service: 'api', replicas: 4, reason: 'x' },
    });
    expect(refused.outcome).toBe('rejected');
    expect(refused.summary).toMatch(/managed by HPA api: give "min"/);
    expect(h.k8s.server.find('PATCH', HPA_PATCH)).toHaveLength(0);
    const hpa = await h.invoke({
      kind: 'manual',
      id: `m-${randomUUID()}`,
      payload: { service: 'api', min: 6, reason: 'launch' },
    });
    expect(hpa.summary).toBe('api: HPA api minReplicas 2 → 6 (launch)');
    expect(hpaMin()).toBe(6);
  });
});

describe('autoscale on Kubernetes, state in memory on the test clock', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await autoscaleHarness();
  });
  afterEach(() => h.stop());

  /** Changes shop/backend once, as the first PATCH of its replicas reaches the API server, before it is handled. */
  const beforeScalePatch = (
    change: (deployment: NonNullable<ReturnType<Harness['k8s']['deployments']['get']>>) => void,
  ) =>
    h.k8s.server.listeners.push((r) => {
      const d = h.k8s.deployments.get('shop/backend');
      if (r.method !== 'PATCH' || !/\/scale$/.test(r.path) || !d) return;
      change(d);
      h.k8s.server.listeners.length = 0;
    });

  describe('autoscale through an incident longer than down.staleAfter', () => {
    it('keeps the step while Alertmanager repeats the firing alert under the same id', async () => {
      // As intake names an Alertmanager alert: the same id for each repeat of one firing alert.
      const firing = {
        ...alert('BackendSlow', 'long1', 'firing', backend),
        id: 'am:long1:2026-03-01T10:00:00.000Z:firing',
      };
      expect((await h.invoke(firing)).summary).toBe('backend: up 3 → 5');
      // repeat_interval 4h: a repeat, answered as a duplicate, that still says the alert fires.
      h.advance(4 * 60 * MINUTE);
      expect((await h.invoke({ ...firing })).duplicate).toBe(true);
      h.advance(2 * 60 * MINUTE + MINUTE);
      const held = await h.invoke(sweep());
      expect(held.summary).not.toMatch(/down/);
      expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
    }, 30_000);
  });

  describe('autoscale against a concurrent kubectl scale', () => {
    it('does not overwrite replicas someone set between its re-read and its write', async () => {
      // `kubectl scale --replicas=8` lands just before autoscale's PATCH reaches the API server.
      beforeScalePatch((d) => {
        d.spec.replicas = 8;
        d.metadata.resourceVersion = String(Number(d.metadata.resourceVersion) + 1);
      });
      const envelope = await h.invoke(alert('BackendSlow', 'kc1', 'firing', backend));
      expect(envelope.summary).toMatch(/another change got there first/);
      expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(8);
      expect(await h.state.get(AutoscaleKeys.scale('backend'))).toBeUndefined();
    }, 30_000);
  });

  describe('autoscale sweeping while an alert comes in', () => {
    it('does not step down under an alert that started firing after the sweep read the trail', async () => {
      await h.invoke(alert('BackendSlow', 'first', 'firing', backend));
      await h.invoke(alert('BackendSlow', 'first', 'resolved', backend));
      h.advance(31 * MINUTE);
      // A new alert is recorded just as the sweep, having decided to step down, re-reads the scale under its lock.
      let reads = 0;
      h.k8s.server.listeners.push((r) => {
        if (r.method !== 'GET' || !/\/deployments\/backend\/scale$/.test(r.path) || ++reads !== 2) return;
        void h.state.put(AutoscaleKeys.firing('backend', 'second'), { name: 'BackendSlow', seenAt: '' }, 3_600_000);
      });
      const swept = await h.invoke(sweep());
      expect(swept.actions).toMatchObject([{ action: 'scale-down', status: 'unchanged' }]);
      expect(JSON.stringify(swept.actions)).toContain('alert(s) fire now');
      expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
    }, 30_000);
  });

  describe('autoscale when a step lands in part', () => {
    it('keeps a record at the value that runs now, so the scale-down still comes back to the baseline', async () => {
      // The platform takes the service to 4 of the 5 asked for, then fails the call (as compose does when one of
      // the new containers does not come up).
      beforeScalePatch((d) => {
        d.spec.replicas = 4;
      });
      h.k8s.server.failNext('PATCH', /\/deployments\/backend\/scale$/, { status: 500, body: { message: 'boom' } });
      const up = await h.invoke(alert('BackendSlow', 'part', 'firing', backend));
      expect(up.outcome).not.toBe('ok');
      expect(await h.state.get(AutoscaleKeys.scale('backend'))).toMatchObject({ baseline: 3, applied: 4 });
      await h.invoke(alert('BackendSlow', 'part', 'resolved', backend));
      h.advance(31 * MINUTE);
      expect((await h.invoke(sweep())).summary).toBe('backend: down 4 → 3');
    }, 30_000);
  });

  describe('autoscale after a deploy reset the replicas mid-incident', () => {
    it('puts the active value back on the next alert, though that value is already up.max', async () => {
      await h.invoke(alert('BackendSlow', 'reset1', 'firing', backend));
      expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
      h.advance(30 * MINUTE);
      const d = h.k8s.deployments.get('shop/backend');
      if (d) d.spec.replicas = 3;
      const again = await h.invoke(alert('BackendSlow', 'reset2', 'firing', backend));
      expect(again.actions).toMatchObject([{ action: 'reapply', status: 'done' }]);
      expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
    }, 30_000);
  });
});
