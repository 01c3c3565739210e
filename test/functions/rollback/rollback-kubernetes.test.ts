import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import { createRollback } from '../../../functions/rollback/handler.js';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import type { AlertTrigger } from '../../../shared/core/events/trigger.js';
import type { Notification } from '../../../shared/core/notify/notification.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runFunction } from '../../../shared/host/runtime/invoke.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';
import { type FakeReply, RecordingServer } from '../../fakes/recording-server.js';

const DEPLOYMENT = /^\/apis\/apps\/v1\/namespaces\/prod\/deployments\/backend$/;
const vector = (value?: string): FakeReply => ({
  status: 200,
  body: { status: 'success', data: { resultType: 'vector', result: value ? [{ metric: {}, value: [0, value] }] : [] } },
});

function alert(id: string): AlertTrigger {
  return {
    kind: 'alert',
    id: `am:${id}`,
    alert: {
      source: 'alertmanager',
      name: 'HighErrorRate',
      state: 'firing',
      labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'backend', severity: 'page' },
      annotations: {},
      startedAt: new Date().toISOString(),
      fingerprint: id,
    },
  };
}

describe('rollback on Kubernetes with Prometheus', () => {
  let k8s: FakeKubernetes;
  let prometheus: RecordingServer;
  let ratio: (time: number, revision: string) => string | undefined;
  let sent: Notification[];
  let state: MemoryStateStore;
  let invoke: (t: AlertTrigger, dryRun?: boolean) => ReturnType<typeof runFunction>;
  const deployedAt = Date.now() - 10 * 60_000;

  beforeEach(async () => {
    k8s = new FakeKubernetes();
    prometheus = new RecordingServer((r) => {
      const q = r.query.get('query') ?? '';
      if (q.startsWith('total')) return vector('5000');
      return vector(ratio(Number(r.query.get('time')) * 1000, /rs="([^"]*)"/.exec(q)?.[1] ?? ''));
    });
    await Promise.all([k8s.server.start(), prometheus.start()]);
    k8s.addDeployment('prod', 'backend', ['app:1', 'app:2'], [new Date(deployedAt - 86_400_000), new Date(deployedAt)]);
    ratio = (time) => (time > deployedAt ? '0.2' : '0.001');
    sent = [];
    state = new MemoryStateStore();
    const config = EstateSchema.parse({
      endpoints: { kubernetes: { url: k8s.server.url }, prometheus: { url: prometheus.url } },
      services: { backend: { platform: 'kubernetes', namespace: 'prod', deployment: 'backend' } },
      rollback: {
        policies: [
          {
            match: { alert: 'HighErrorRate' },
            errorRate: { threshold: '1%', query: 'ratio{rs="$revision"}[$window]', totalQuery: 'total[$window]' },
            settle: '1m',
          },
        ],
      },
    });
    const definition = createRollback({
      ...defaultRollbackDeps({ timing: { timeoutMs: 2_000, retryDelayMs: 5, pollMs: 5 } }),
      sleep: async () => {
        ratio = () => '0.0';
      },
    });
    invoke = (t, dryRun = false) =>
      runFunction(definition, t, {
        config,
        state,
        dryRun,
        logSink: () => {},
        notifier: {
          notify: async (m) => {
            sent.push(m);
            return [];
          },
        },
      });
  });
  afterEach(() => Promise.all([k8s.server.stop(), prometheus.stop()]));

  it('undoes the rollout to the previous ReplicaSet and verifies recovery', async () => {
    const envelope = await invoke(alert('f1'));
    expect(envelope.outcome).toBe('ok');
    expect(k8s.image('prod', 'backend')).toBe('app:1');
    expect(k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(1);
    const queries = prometheus.requests.map((r) => r.query.get('query'));
    expect(queries).toContain('ratio{rs="backend-h17"}[300s]');
    expect(queries).toContain('ratio{rs="backend-h07"}[300s]');
    expect(queries).toContain('ratio{rs="backend-h07"}[60s]');
    const before = prometheus.requests.find((r) => r.query.get('query') === 'ratio{rs="backend-h07"}[300s]');
    expect(Number(before?.query.get('time')) * 1000).toBeCloseTo(deployedAt, -3);
    expect(await state.get(RollbackKeys.pin('backend'))).toBeUndefined();
    expect(sent.every((m) => !m.text.includes('release-pin'))).toBe(true);
  });

  it('pages without acting when the previous ReplicaSet was failing too', async () => {
    ratio = () => '0.3';
    const envelope = await invoke(alert('f2'));
    expect(envelope.items).toMatchObject([{ verdict: 'previous-unhealthy' }]);
    expect(k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
  });

  it('logs the decision and patches nothing in dry-run', async () => {
    const envelope = await invoke(alert('f3'), true);
    expect(envelope.actions).toMatchObject([
      { action: 'rollback', status: 'dry-run', change: { traffic: { to: 'backend-h07' } } },
    ]);
    expect(k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(k8s.image('prod', 'backend')).toBe('app:2');
  });

  it('pages and patches nothing when the Deployment is paused', async () => {
    const deployment = k8s.deployments.get('prod/backend');
    if (deployment) deployment.spec.paused = true;
    const envelope = await invoke(alert('f5'));
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'failed' }]);
    expect(k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(sent).toMatchObject([
      { severity: 'critical', title: expect.stringMatching(/rollback backend-h17 → backend-h07 failed$/) },
    ]);
    expect(sent[0]?.text).toMatch(/is paused: resume it before a rollback/);
  });

  it('fails with nothing changed when the API server hangs', async () => {
    k8s.server.failNext('GET', DEPLOYMENT, { hang: true }, 100);
    const envelope = await invoke(alert('f4'));
    expect(envelope.outcome).toBe('fail');
    expect(k8s.server.find('PATCH', DEPLOYMENT)).toHaveLength(0);
    expect(k8s.image('prod', 'backend')).toBe('app:2');
  }, 20_000);
});
