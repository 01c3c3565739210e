import { fileURLToPath } from 'node:url';
import { defaultRollbackDeps } from '../functions/rollback/deps.js';
import { createRollbackFunction } from '../functions/rollback/handler.js';
import { EstateSchema } from '../shared/config/estate.js';
import { FakeCloudRun } from '../test/fakes/cloud-run.js';
import { FakeMonitoring } from '../test/fakes/monitoring.js';
import { measureAlerts, postJson, report, serveFunctions } from './alert-harness.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const WARMUP = SMOKE ? 5 : 20;
const COUNT = SMOKE ? 20 : 250;
const TOKEN = 'bench-token';
const TARGET_P99_MS = 250;

const svc = (i: number) => `web${i}`;
const path = (i: number) => `projects/p1/locations/us-central1/services/${svc(i)}`;

/** A Cloud Monitoring incident webhook (schema 1.2) about service `i`'s new revision. */
function incident(i: number): Record<string, unknown> {
  return {
    version: '1.2',
    incident: {
      incident_id: `0.bench${i}`,
      scoping_project_id: 'p1',
      started_at: Math.floor(Date.now() / 1000),
      ended_at: null,
      state: 'open',
      summary: `5xx on ${svc(i)}`,
      url: `https://console.cloud.google.com/monitoring/alerting/incidents/0.bench${i}`,
      resource: {
        type: 'cloud_run_revision',
        labels: { project_id: 'p1', service_name: svc(i), location: 'us-central1' },
      },
      metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '5xx' } },
      policy_name: 'web 5xx rate',
      policy_user_labels: { runbook: 'cloud-run-rollback' },
      condition_name: '5xx ratio',
      condition: { name: 'projects/p1/alertPolicies/1/conditions/2', displayName: '5xx ratio' },
    },
  };
}

/** Alert received → traffic PATCH at the Cloud Run fake, with metrics confirmation, warm; settle excluded. */
export async function main(): Promise<Record<string, unknown>> {
  const total = WARMUP + COUNT;
  const run = new FakeCloudRun();
  const monitoring = new FakeMonitoring();
  await Promise.all([run.server.start(), monitoring.server.start()]);
  const now = Date.now();
  const services: Record<string, unknown> = {};
  for (let i = 0; i < total; i++) {
    const rev = (n: number) => `${svc(i)}-0000${n}-abc`;
    run.addService(path(i), [
      { name: rev(1), createTime: new Date(now - 86_400_000).toISOString() },
      { name: rev(2), createTime: new Date(now - 600_000).toISOString() },
    ]);
    monitoring.traffic(svc(i), rev(2), new Date(now - 30_000), 1000, 150);
    monitoring.traffic(svc(i), rev(1), new Date(now - 700_000), 1000, 1);
    services[svc(i)] = { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: svc(i) };
  }
  const config = EstateSchema.parse({
    auth: { tokens: [{ env: 'ROLLBACK_BENCH_TOKEN' }] },
    endpoints: {
      run: { url: run.server.url, credentials: 'none' },
      monitoring: { url: monitoring.server.url, credentials: 'none' },
    },
    guard: {
      rateLimit: { perTarget: { max: 10, window: '1h' }, global: { max: 100_000, window: '1h' } },
      breaker: { max: 100_000, window: '1h', open: '1h' },
    },
    services,
    rollback: { policies: [{ match: { policy: '1' }, errorRate: { threshold: '1%' }, settle: '0s' }] },
  });
  const deps = { ...defaultRollbackDeps(), sleep: async () => {} };
  const served = await serveFunctions(config, [createRollbackFunction(deps)], { ROLLBACK_BENCH_TOKEN: TOKEN });
  const arrivals = new Map<number, number>();
  run.server.listeners.push((r) => {
    const m = /\/services\/web(\d+)$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.set(Number(m[1]), r.at);
  });
  try {
    const stats = await measureAlerts({
      warmup: WARMUP,
      count: COUNT,
      fire: async (i) => {
        await postJson(`${served.url}/rollback`, incident(i), TOKEN);
      },
      arrivedAt: (i) => arrivals.get(i),
    });
    const result = {
      bench: 'rollback',
      what: 'Cloud Monitoring webhook received → traffic PATCH at the Cloud Run fake (auth, intake, idempotency, metrics confirmation, revisions read, guard); warm, serial, settle excluded',
      node: process.version,
      warmup: WARMUP,
      ...stats,
      targetP99Ms: TARGET_P99_MS,
      meetsTarget: stats.p99 < TARGET_P99_MS,
    };
    console.log(
      `rollback alert → PATCH over ${stats.count} alerts: p50 ${stats.p50} ms, p99 ${stats.p99} ms (target p99 < ${TARGET_P99_MS} ms)`,
    );
    report('rollback', result);
    return result;
  } finally {
    await served.close();
    await Promise.all([run.server.stop(), monitoring.server.stop()]);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
