import { fileURLToPath } from 'node:url';
import { defaultAutoscaleDeps } from '../functions/autoscale/deps.js';
import { createAutoscaleFunction } from '../functions/autoscale/handler.js';
import { EstateSchema } from '../shared/config/estate.js';
import { FakeCloudRun } from '../test/fakes/cloud-run.js';
import { FakeKubernetes } from '../test/fakes/kubernetes.js';
import { type LatencyStats, measureAlerts, postJson, report, serveFunctions } from './alert-harness.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const WARMUP = SMOKE ? 5 : 20;
const COUNT = SMOKE ? 20 : 250;
const TOKEN = 'bench-token';
const TARGET_P99_MS = 250;

/** An Alertmanager webhook (version 4) with one firing alert carrying `labels`. */
function webhook(name: string, fingerprint: string, labels: Record<string, string>): Record<string, unknown> {
  const all = { alertname: name, severity: 'page', ...labels };
  return {
    version: '4',
    groupKey: `{}:{alertname="${name}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'opsfn',
    groupLabels: { alertname: name },
    commonLabels: all,
    commonAnnotations: { summary: 'p95 > 2s' },
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: all,
        annotations: { summary: 'p95 > 2s' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint,
      },
    ],
  };
}

const guard = {
  rateLimit: { perTarget: { max: 10, window: '1h' }, global: { max: 100_000, window: '1h' } },
  breaker: { max: 100_000, window: '1h', open: '1h' },
};

async function cloudRun(total: number): Promise<LatencyStats> {
  const run = new FakeCloudRun();
  run.operationPolls = 0;
  await run.server.start();
  const services: Record<string, unknown> = {};
  for (let i = 0; i < total; i++) {
    run.addService(`projects/p1/locations/us-central1/services/web${i}`, [
      { name: `web${i}-00001-abc`, createTime: new Date(Date.now() - 86_400_000).toISOString() },
    ]);
    services[`web${i}`] = { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: `web${i}` };
  }
  const config = EstateSchema.parse({
    auth: { tokens: [{ env: 'AUTOSCALE_BENCH_TOKEN' }] },
    endpoints: { run: { url: run.server.url, credentials: 'none' } },
    guard,
    services,
    autoscale: { policies: [{ match: { alert: 'HighLatency' }, up: { max: 10 } }] },
  });
  const fn = createAutoscaleFunction(defaultAutoscaleDeps());
  const served = await serveFunctions(config, [fn], { AUTOSCALE_BENCH_TOKEN: TOKEN });
  const arrivals = new Map<number, number>();
  run.server.listeners.push((r) => {
    const m = /\/services\/web(\d+)$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.set(Number(m[1]), r.at);
  });
  try {
    return await measureAlerts({
      warmup: WARMUP,
      count: COUNT,
      fire: async (i) => {
        const labels = { service_name: `web${i}`, project_id: 'p1', location: 'us-central1' };
        await postJson(`${served.url}/autoscale`, webhook('HighLatency', (0xc000 + i).toString(16), labels), TOKEN);
      },
      arrivedAt: (i) => arrivals.get(i),
    });
  } finally {
    await served.close();
    await run.server.stop();
  }
}

async function kubernetes(total: number): Promise<LatencyStats> {
  const k8s = new FakeKubernetes();
  await k8s.server.start();
  const services: Record<string, unknown> = {};
  for (let i = 0; i < total; i++) {
    k8s.addDeployment('prod', `backend${i}`, ['app:1'], [new Date(Date.now() - 86_400_000)], 3);
    services[`backend${i}`] = {
      platform: 'kubernetes',
      namespace: 'prod',
      deployment: `backend${i}`,
      server: k8s.server.url,
    };
  }
  const config = EstateSchema.parse({
    auth: { tokens: [{ env: 'AUTOSCALE_BENCH_TOKEN' }] },
    guard,
    services,
    autoscale: { policies: [{ match: { alert: 'SlowResponse' }, up: { step: '+2', max: 5 } }] },
  });
  const fn = createAutoscaleFunction(defaultAutoscaleDeps());
  const served = await serveFunctions(config, [fn], { AUTOSCALE_BENCH_TOKEN: TOKEN });
  const arrivals = new Map<number, number>();
  k8s.server.listeners.push((r) => {
    const m = /\/deployments\/backend(\d+)\/scale$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.set(Number(m[1]), r.at);
  });
  try {
    return await measureAlerts({
      warmup: WARMUP,
      count: COUNT,
      fire: async (i) => {
        const labels = { namespace: 'prod', deployment: `backend${i}` };
        await postJson(`${served.url}/autoscale`, webhook('SlowResponse', (0xd000 + i).toString(16), labels), TOKEN);
      },
      arrivedAt: (i) => arrivals.get(i),
    });
  } finally {
    await served.close();
    await k8s.server.stop();
  }
}

/** Alertmanager webhook received → scaling PATCH at the Cloud Run and Kubernetes fakes, warm, serial. */
export async function main(): Promise<Record<string, unknown>> {
  const total = WARMUP + COUNT;
  const run = await cloudRun(total);
  const k8s = await kubernetes(total);
  const result = {
    bench: 'autoscale',
    what: 'Alertmanager webhook received → scaling PATCH at the fake (auth, intake, idempotency, alert trail, scaling read, guard, re-read under the lock); warm, serial, one service per alert',
    node: process.version,
    warmup: WARMUP,
    cloudRun: { ...run, meetsTarget: run.p99 < TARGET_P99_MS },
    kubernetes: { ...k8s, meetsTarget: k8s.p99 < TARGET_P99_MS },
    targetP99Ms: TARGET_P99_MS,
    meetsTarget: run.p99 < TARGET_P99_MS && k8s.p99 < TARGET_P99_MS,
  };
  for (const [name, s] of [
    ['Cloud Run minInstanceCount', run],
    ['Kubernetes scale subresource', k8s],
  ] as const) {
    console.log(
      `autoscale alert → ${name} PATCH over ${s.count} alerts: p50 ${s.p50} ms, p99 ${s.p99} ms (target p99 < ${TARGET_P99_MS} ms)`,
    );
  }
  report('autoscale', result);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
