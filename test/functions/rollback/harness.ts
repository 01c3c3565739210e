import { type EstateInput, EstateSchema } from '../../../functions/estate.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import { createRollback } from '../../../functions/rollback/handler.js';
import type { AlertTrigger, Trigger } from '../../../shared/core/events/trigger.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { createTestRunner, alertTrigger as incident } from '../../../shared/testing/index.js';
import { FakeCloudRun } from '../../fakes/cloud-run.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';
import { FakeMonitoring } from '../../fakes/monitoring.js';
import { type FakeReply, RecordingServer } from '../../fakes/recording-server.js';

/** The Cloud Run service every rollback test uses. */
export const SERVICE = 'projects/p1/locations/us-central1/services/web';
export const PATCH_PATH = /^\/v2\/projects\/p1\/locations\/us-central1\/services\/web$/;
export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** A Cloud Monitoring alert trigger about service `web`, as intake produces it. */
export function alertTrigger(id: string, state: 'firing' | 'resolved' = 'firing'): AlertTrigger {
  return incident('web 5xx rate', {
    id: `cm:${id}:${state === 'firing' ? 'open' : 'closed'}`,
    source: 'cloud-monitoring',
    state,
    labels: { service_name: 'web', project_id: 'p1', location: 'us-central1' },
    fingerprint: id,
  });
}

/**
 * Fakes of Cloud Run and Cloud Monitoring, an estate pointing at them, memory state, a recording notifier
 * and the rollback function over production adapters with short timeouts and an instant settle wait, which moves
 * the run's clock and the Monitoring fake's on by what it waited (`h.clock()`). `ingestionDelayMs`: how long after
 * the fact the Monitoring fake shows a count (0; 180_000 is what the API documents).
 */
export async function cloudRunHarness(
  overrides: Partial<EstateInput> = {},
  options: { ingestionDelayMs?: number } = {},
) {
  const run = new FakeCloudRun();
  const monitoring = new FakeMonitoring();
  let waited = 0;
  const clock = () => Date.now() + waited;
  monitoring.now = clock;
  monitoring.ingestionDelayMs = options.ingestionDelayMs ?? 0;
  await Promise.all([run.server.start(), monitoring.server.start()]);
  run.addService(SERVICE, [
    { name: 'web-00001-aaa', createTime: minutesAgo(3000).toISOString() },
    { name: 'web-00002-bbb', createTime: minutesAgo(600).toISOString() },
    { name: 'web-00003-ccc', createTime: minutesAgo(10).toISOString() },
  ]);
  const config = EstateSchema.parse({
    endpoints: {
      run: { url: run.server.url, credentials: 'none' },
      monitoring: { url: monitoring.server.url, credentials: 'none' },
    },
    services: { web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' } },
    rollback: { policies: [{ match: { alert: 'web 5xx rate' }, errorRate: { threshold: '1%' }, settle: '3m' }] },
    ...overrides,
  });
  const settles: number[] = [];
  const hooks = { onSettle: () => {} };
  const deps = {
    ...defaultRollbackDeps({
      timing: { timeoutMs: 2_000, retries: 2, retryDelayMs: 5, pollMs: 5 },
      metricsTimeoutMs: 2_000,
      metricsRetries: 1,
    }),
    sleep: async (ms: number) => {
      settles.push(ms);
      hooks.onSettle();
      waited += ms;
    },
  };
  const definition = createRollback(deps);
  const runner = createTestRunner(definition, { estate: config, now: () => new Date(clock()) });
  const invoke = async (trigger: Trigger, options: { dryRun?: boolean } = {}): Promise<ResultEnvelope> =>
    (await runner.run(trigger, options)).envelope;
  return {
    run,
    monitoring,
    config,
    state: runner.state,
    sent: runner.sent,
    settles,
    hooks,
    /** The run's clock: the real one moved on by every wait so far. */
    clock: () => new Date(clock()),
    /** Records what a revision served 90 s into the settle wait that starts now. */
    duringSettle: (revision: string, total: number, errors: number) =>
      monitoring.traffic('web', revision, new Date(clock() + 90_000), total, errors),
    deps,
    invoke,
    audits: runner.audits,
    stop: () => Promise.all([run.server.stop(), monitoring.server.stop()]),
  };
}

/** Deployment prod/backend as Kubernetes runs it: ReplicaSet backend-h07 (app:1) and, since the deploy, backend-h17 (app:2). */
export const DEPLOYMENT = /^\/apis\/apps\/v1\/namespaces\/prod\/deployments\/backend$/;

const vector = (value?: string): FakeReply => ({
  status: 200,
  body: { status: 'success', data: { resultType: 'vector', result: value ? [{ metric: {}, value: [0, value] }] : [] } },
});

/** An Alertmanager alert about Deployment prod/backend. */
export function kubernetesAlert(id: string): AlertTrigger {
  return incident('HighErrorRate', {
    id: `am:${id}`,
    labels: { namespace: 'prod', deployment: 'backend', severity: 'page' },
    fingerprint: id,
  });
}

/**
 * A fake Kubernetes API with Deployment prod/backend deployed ten minutes ago, a Prometheus whose error
 * ratio of a ReplicaSet at a time is `h.ratio(time, revision)` (20 % since the deploy, until the
 * settle wait ends, then none), memory state and the rollback function over production adapters.
 */
export async function kubernetesHarness() {
  const k8s = new FakeKubernetes();
  const deployedAt = Date.now() - 10 * 60_000;
  const h = {
    ratio: (time: number, _revision: string): string | undefined => (time > deployedAt ? '0.2' : '0.001'),
  };
  const prometheus = new RecordingServer((r) => {
    const q = r.query.get('query') ?? '';
    if (q.startsWith('total')) return vector('5000');
    return vector(h.ratio(Number(r.query.get('time')) * 1000, /rs="([^"]*)"/.exec(q)?.[1] ?? ''));
  });
  await Promise.all([k8s.server.start(), prometheus.start()]);
  k8s.addDeployment('prod', 'backend', ['app:1', 'app:2'], [new Date(deployedAt - 86_400_000), new Date(deployedAt)]);
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
      h.ratio = () => '0.0';
    },
  });
  const runner = createTestRunner(definition, { estate: config });
  return Object.assign(h, {
    k8s,
    prometheus,
    deployedAt,
    config,
    state: runner.state,
    sent: runner.sent,
    audits: runner.audits,
    invoke: async (trigger: AlertTrigger, dryRun = false) => (await runner.run(trigger, { dryRun })).envelope,
    stop: () => Promise.all([k8s.server.stop(), prometheus.stop()]),
  });
}
