import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import { kubernetesAlert as alert, DEPLOYMENT, kubernetesHarness } from './harness.js';
import { runRollbackSuite } from './suite.js';

runRollbackSuite('Kubernetes with Prometheus', async () => {
  const h = await kubernetesHarness();
  return {
    estate: h.config,
    state: h.state,
    service: 'backend',
    bad: 'backend-h17',
    good: 'backend-h07',
    alert,
    invoke: (trigger, options) => h.invoke(trigger, options?.dryRun),
    sent: h.sent,
    audits: h.audits,
    pins: false,
    async unchanged() {
      expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
      expect(h.k8s.image('prod', 'backend')).toBe('app:2');
    },
    async rolledBack() {
      expect(h.k8s.image('prod', 'backend')).toBe('app:1');
      expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(1);
      const queries = h.prometheus.requests.map((r) => r.query.get('query'));
      expect(queries).toContain('ratio{rs="backend-h17"}[300s]');
      expect(queries).toContain('ratio{rs="backend-h07"}[300s]');
      expect(queries).toContain('ratio{rs="backend-h07"}[60s]');
      const before = h.prometheus.requests.find((r) => r.query.get('query') === 'ratio{rs="backend-h07"}[300s]');
      expect(Number(before?.query.get('time')) * 1000).toBeCloseTo(h.deployedAt, -3);
    },
    close: h.stop,
  };
});

describe('rollback on Kubernetes with Prometheus', () => {
  let h: Awaited<ReturnType<typeof kubernetesHarness>>;

  beforeEach(async () => {
    h = await kubernetesHarness();
  });
  afterEach(() => h.stop());

  it('pages without acting when the previous ReplicaSet was failing too', async () => {
    h.ratio = () => '0.3';
    const envelope = await h.invoke(alert('f2'));
    expect(envelope.items).toMatchObject([{ verdict: 'previous-unhealthy' }]);
    expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
  });

  it('pages and patches nothing when the Deployment is paused', async () => {
    const deployment = h.k8s.deployments.get('prod/backend');
    if (deployment) deployment.spec.paused = true;
    const envelope = await h.invoke(alert('f5'));
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'failed' }]);
    expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(h.sent).toMatchObject([
      { severity: 'critical', title: expect.stringMatching(/rollback backend-h17 → backend-h07 failed$/) },
    ]);
    expect(h.sent[0]?.text).toMatch(/is paused: resume it before a rollback/);
  });

  it('fails and pages when the rollback rollout exceeds its progress deadline, and no second rollback follows', async () => {
    h.k8s.stallNextRollout('prod', 'backend');
    // The old ReplicaSet's pods never become ready, so after the settle time it has served nothing.
    h.ratio = (time, rs) => (rs === 'backend-h17' ? '0.2' : time > h.deployedAt ? undefined : '0.001');
    const envelope = await h.invoke(alert('stalled'));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'failed' }]);
    expect(h.sent).toMatchObject([
      {
        severity: 'critical',
        title: expect.stringMatching(/rollback backend-h17 → backend-h07 failed$/),
        text: expect.stringMatching(/timed out progressing/),
      },
    ]);
    expect(await h.state.get(RollbackKeys.bad('backend'))).toEqual(['backend-h17']);
    expect(await h.state.get(RollbackKeys.chain('backend'))).toMatchObject({ from: 'backend-h17', to: 'backend-h07' });
    // Another series of the same rule fires while the Deployment is caught between the two: no second rollback.
    // The whole Deployment still fails, as a rule without $revision reads it.
    h.ratio = (time) => (time > h.deployedAt ? '0.2' : '0.001');
    const image = h.k8s.image('prod', 'backend');
    const again = await h.invoke(alert('stalled-other-pod'));
    expect(again.summary).toBe('backend: paged, no rollback (chain)');
    expect(h.k8s.image('prod', 'backend')).toBe(image);
  });

  it('leaves alone a deploy the controller has not rolled out yet: no ReplicaSet has its template', async () => {
    // `kubectl set image deployment/backend app=app:3` has just landed; no ReplicaSet has the template yet.
    const d = h.k8s.deployments.get('prod/backend');
    if (!d) throw new Error('no deployment');
    d.spec.template.spec.containers[0].image = 'app:3';
    d.metadata.generation += 1;
    d.metadata.resourceVersion = String(Number(d.metadata.resourceVersion) + 1);
    const envelope = await h.invoke(alert('pending'));
    expect(envelope.outcome).toBe('skipped');
    expect(envelope.summary).toMatch(/expected backend-h17 to serve, found a new template not yet rolled out/);
    expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(h.k8s.image('prod', 'backend')).toBe('app:3');
  });

  it('fails with nothing changed when the API server hangs', async () => {
    h.k8s.server.failNext('GET', DEPLOYMENT, { hang: true }, 100);
    const envelope = await h.invoke(alert('f4'));
    expect(envelope.outcome).toBe('fail');
    expect(h.k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(h.k8s.image('prod', 'backend')).toBe('app:2');
  }, 20_000);
});
