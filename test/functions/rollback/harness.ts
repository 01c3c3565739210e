import { type EstateInput, EstateSchema } from '../../../functions/estate.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import { createRollback } from '../../../functions/rollback/handler.js';
import type { AlertTrigger, Trigger } from '../../../shared/core/events/trigger.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { createTestRunner, alertTrigger as incident } from '../../../shared/testing/index.js';
import { FakeCloudRun } from '../../fakes/cloud-run.js';
import { FakeMonitoring } from '../../fakes/monitoring.js';

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
 * and the rollback function over production adapters with short timeouts and an instant settle wait.
 */
export async function cloudRunHarness(overrides: Partial<EstateInput> = {}) {
  const run = new FakeCloudRun();
  const monitoring = new FakeMonitoring();
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
    },
  };
  const definition = createRollback(deps);
  const runner = createTestRunner(definition, { estate: config });
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
    deps,
    invoke,
    audits: runner.audits,
    stop: () => Promise.all([run.server.stop(), monitoring.server.stop()]),
  };
}
