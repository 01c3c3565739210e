import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EstateSchema } from '../functions/estate.js';
import { defaultRollbackDeps } from '../functions/rollback/deps.js';
import { createRollback } from '../functions/rollback/handler.js';
import { FakeCloudRun } from '../test/fakes/cloud-run.js';
import { FakeMonitoring } from '../test/fakes/monitoring.js';
import { epochNow, measureAlerts, postJson, report, serveFunctions } from './alert-harness.js';

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

/** The fakes, in their own process so their CPU is not counted against the function being measured. */
async function serveFakes(total: number): Promise<void> {
  const run = new FakeCloudRun();
  // Operations finish in the PATCH reply: what follows the PATCH is outside the measured span anyway.
  run.operationPolls = 0;
  const monitoring = new FakeMonitoring();
  await Promise.all([run.server.start(), monitoring.server.start()]);
  const now = Date.now();
  for (let i = 0; i < total; i++) {
    const rev = (n: number) => `${svc(i)}-0000${n}-abc`;
    run.addService(path(i), [
      { name: rev(1), createTime: new Date(now - 86_400_000).toISOString() },
      { name: rev(2), createTime: new Date(now - 600_000).toISOString() },
    ]);
    monitoring.traffic(svc(i), rev(2), new Date(now - 30_000), 1000, 150);
    monitoring.traffic(svc(i), rev(1), new Date(now - 700_000), 1000, 1);
  }
  const arrivals: [number, number][] = [];
  run.server.listeners.push((r) => {
    const m = /\/services\/web(\d+)$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.push([Number(m[1]), epochNow()]);
  });
  process.on('message', (message) => {
    if (message === 'arrivals') process.send?.(arrivals);
    if (message === 'stop') void Promise.all([run.server.stop(), monitoring.server.stop()]).then(() => process.exit(0));
  });
  process.send?.({ run: run.server.url, monitoring: monitoring.server.url });
}

/** Alert received → traffic PATCH at the Cloud Run fake, with metrics confirmation, warm; settle excluded. */
export async function main(): Promise<Record<string, unknown>> {
  const total = WARMUP + COUNT;
  const child = fork(fileURLToPath(import.meta.url), ['--fakes', String(total)], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  const urls = (await next()) as { run: string; monitoring: string };
  const services: Record<string, unknown> = {};
  for (let i = 0; i < total; i++) {
    services[svc(i)] = { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: svc(i) };
  }
  const config = EstateSchema.parse({
    auth: { tokens: [{ env: 'ROLLBACK_BENCH_TOKEN' }] },
    endpoints: {
      run: { url: urls.run, credentials: 'none' },
      monitoring: { url: urls.monitoring, credentials: 'none' },
    },
    guard: {
      rateLimit: { perTarget: { max: 10, window: '1h' }, global: { max: 100_000, window: '1h' } },
      breaker: { max: 100_000, window: '1h', open: '1h' },
    },
    services,
    rollback: { policies: [{ match: { policy: '1' }, errorRate: { threshold: '1%' }, settle: '0s' }] },
  });
  const deps = { ...defaultRollbackDeps(), sleep: async () => {} };
  const served = await serveFunctions(config, [createRollback(deps)], { ROLLBACK_BENCH_TOKEN: TOKEN });
  try {
    const stats = await measureAlerts({
      warmup: WARMUP,
      count: COUNT,
      fire: async (i) => {
        await postJson(`${served.url}/rollback`, incident(i), TOKEN);
      },
      arrivals: async () => {
        const reply = next();
        child.send('arrivals');
        return new Map((await reply) as [number, number][]);
      },
    });
    const result = {
      bench: 'rollback',
      what: 'Cloud Monitoring webhook received → traffic PATCH at the Cloud Run fake (auth, intake, idempotency, metrics confirmation, revisions read, guard); warm, serial, settle excluded; fakes in a child process',
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
    child.send('stop');
  }
}

if (process.argv.includes('--fakes')) {
  await serveFakes(Number(process.argv[process.argv.indexOf('--fakes') + 1]));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
