import { defaultAutoscaleDeps } from '../../../functions/autoscale/deps.js';
import { createAutoscale } from '../../../functions/autoscale/handler.js';
import { type EstateInput, EstateSchema } from '../../../functions/estate.js';
import type { AlertTrigger, ScheduledTrigger, Trigger } from '../../../shared/core/events/trigger.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import type { StateStore } from '../../../shared/core/state/state-store.js';
import {
  alertTrigger,
  createTestRunner,
  recordingNotifier,
  scheduledTrigger,
  testClock,
} from '../../../shared/testing/index.js';
import { FakeCloudRun } from '../../fakes/cloud-run.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';

/** The Cloud Run service and the paths the tests look at. */
export const SERVICE = 'projects/p1/locations/us-central1/services/web';
export const RUN_PATCH = /^\/v2\/projects\/p1\/locations\/us-central1\/services\/web$/;
export const SCALE_PATCH = /^\/apis\/apps\/v1\/namespaces\/shop\/deployments\/backend\/scale$/;
export const HPA_PATCH = /^\/apis\/autoscaling\/v2\/namespaces\/shop\/horizontalpodautoscalers\/api$/;
export const MINUTE = 60_000;

const POLICIES = [
  { name: 'web-latency', match: { alert: 'WebLatency' }, service: 'web', up: { max: 6 } },
  {
    name: 'backend-slow',
    match: { alert: 'BackendSlow' },
    up: { step: '+2', max: 5 },
    down: { floor: 3 },
  },
  { name: 'api-slow', match: { alert: 'ApiSlow' }, service: 'api', up: { step: '+2', max: 8 } },
];

/** An alert trigger as intake makes it; Kubernetes alerts carry `deployment` and `namespace` labels. */
export function alert(
  name: string,
  fingerprint: string,
  state: 'firing' | 'resolved' = 'firing',
  labels: Record<string, string> = {},
  startedAt = '2026-03-01T10:00:00.000Z',
): AlertTrigger {
  return alertTrigger(name, { state, labels, fingerprint, startedAt });
}

/**
 * Alerts as Alertmanager sends them over several episodes of one fingerprint: a firing after a resolve starts a new
 * episode (`startsAt` now), its repeats and its resolve carry that episode's `startsAt`.
 */
export function episodes(name: string, now: () => Date) {
  const open = new Map<string, string>();
  return (fingerprint: string, state: 'firing' | 'resolved' = 'firing'): AlertTrigger => {
    const startedAt = open.get(fingerprint) ?? now().toISOString();
    if (state === 'firing') open.set(fingerprint, startedAt);
    else open.delete(fingerprint);
    return alert(name, fingerprint, state, {}, startedAt);
  };
}

/** The scheduled sweep's trigger. */
export function sweep(): ScheduledTrigger {
  return scheduledTrigger({}, { job: 'autoscale-sweep', scheduledAt: '2026-03-01T10:00:00Z' });
}

/**
 * Fakes of Cloud Run (service `web`, min 2 / max 20) and Kubernetes (`shop/backend` at 3 replicas,
 * `shop/api` under an HPA 2..10), an estate pointing at them, a test clock shared by the run and
 * the memory state, a recording notifier, and the autoscale function over production adapters.
 */
export async function autoscaleHarness(options: { overrides?: Partial<EstateInput>; state?: StateStore } = {}) {
  const clock = testClock('2026-03-01T10:00:00.000Z');
  const run = new FakeCloudRun();
  const k8s = new FakeKubernetes();
  await Promise.all([run.server.start(), k8s.server.start()]);
  run.addService(SERVICE, [{ name: 'web-00001-aaa', createTime: '2026-02-01T00:00:00Z' }]);
  const scaling = run.scaling(SERVICE);
  if (scaling) scaling.scaling.minInstanceCount = 2;
  k8s.addDeployment('shop', 'backend', ['app:1'], [new Date('2026-02-01T00:00:00Z')], 3);
  k8s.addDeployment('shop', 'api', ['api:1'], [new Date('2026-02-01T00:00:00Z')], 2);
  k8s.hpas.push({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'api', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 2,
      maxReplicas: 10,
    },
  });
  const config = EstateSchema.parse({
    endpoints: { run: { url: run.server.url, credentials: 'none' } },
    services: {
      web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' },
      backend: { platform: 'kubernetes', namespace: 'shop', deployment: 'backend', server: k8s.server.url },
      api: { platform: 'kubernetes', namespace: 'shop', deployment: 'api', server: k8s.server.url },
    },
    autoscale: { policies: POLICIES },
    ...options.overrides,
  });
  const notifier = recordingNotifier();
  const definition = createAutoscale(
    defaultAutoscaleDeps({
      timing: { timeoutMs: 2_000, retries: 1, retryDelayMs: 5, pollMs: 5, waitTimeoutMs: 2_000 },
    }),
  );
  const runner = createTestRunner(definition, {
    estate: config,
    notifier,
    now: clock.now,
    state: options.state,
  });
  const invoke = async (trigger: Trigger, opts: { dryRun?: boolean } = {}): Promise<ResultEnvelope> =>
    (await runner.run(trigger, opts)).envelope;
  return {
    clock,
    advance: clock.advance,
    run,
    k8s,
    config,
    state: runner.state,
    notifier,
    definition,
    invoke,
    audits: runner.audits,
    /** Cloud Run service-level scaling as stored by the fake. */
    webScaling: () => run.scaling(SERVICE)?.scaling,
    runPatches: () => run.server.find('PATCH', RUN_PATCH),
    stop: () => Promise.all([run.server.stop(), k8s.server.stop()]),
  };
}
