import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultAutoscaleDeps } from '../functions/autoscale/deps.js';
import { createAutoscale } from '../functions/autoscale/handler.js';
import { type Estate, EstateSchema } from '../functions/estate.js';
import { FakeCloudRun } from '../test/fakes/cloud-run.js';
import { FakeKubernetes } from '../test/fakes/kubernetes.js';
import { epochNow, type LatencyStats, measureAlerts, postJson, report, serveFunctions } from './alert-harness.js';

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

/** Both fakes, in their own process so their CPU is not counted against the function being measured. */
async function serveFakes(total: number): Promise<void> {
  const run = new FakeCloudRun();
  // Operations finish in the PATCH reply: what follows the PATCH is outside the measured span anyway.
  run.operationPolls = 0;
  const k8s = new FakeKubernetes();
  await Promise.all([run.server.start(), k8s.server.start()]);
  for (let i = 0; i < total; i++) {
    run.addService(`projects/p1/locations/us-central1/services/web${i}`, [
      { name: `web${i}-00001-abc`, createTime: new Date(Date.now() - 86_400_000).toISOString() },
    ]);
    k8s.addDeployment('prod', `backend${i}`, ['app:1'], [new Date(Date.now() - 86_400_000)], 3);
  }
  const arrivals = { run: [] as [number, number][], k8s: [] as [number, number][] };
  run.server.listeners.push((r) => {
    const m = /\/services\/web(\d+)$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.run.push([Number(m[1]), epochNow()]);
  });
  k8s.server.listeners.push((r) => {
    const m = /\/deployments\/backend(\d+)\/scale$/.exec(r.path);
    if (r.method === 'PATCH' && m) arrivals.k8s.push([Number(m[1]), epochNow()]);
  });
  process.on('message', (message) => {
    if (message === 'arrivals:run') process.send?.(arrivals.run);
    if (message === 'arrivals:k8s') process.send?.(arrivals.k8s);
    if (message === 'stop') void Promise.all([run.server.stop(), k8s.server.stop()]).then(() => process.exit(0));
  });
  process.send?.({ run: run.server.url, k8s: k8s.server.url });
}

/** Alertmanager webhook → PATCH for one platform, over a served runtime with the autoscale function. */
async function measure(
  config: Estate,
  alertName: string,
  labels: (i: number) => Record<string, string>,
  arrivals: () => Promise<Map<number, number>>,
): Promise<LatencyStats> {
  const fn = createAutoscale(defaultAutoscaleDeps());
  const served = await serveFunctions(config, [fn], { AUTOSCALE_BENCH_TOKEN: TOKEN });
  try {
    return await measureAlerts({
      warmup: WARMUP,
      count: COUNT,
      fire: async (i) => {
        // Distinct per platform: the runtime dedupes alerts by fingerprint, start and status.
        const fingerprint = ((alertName === 'HighLatency' ? 0xc0000 : 0xd0000) + i).toString(16);
        await postJson(`${served.url}/autoscale`, webhook(alertName, fingerprint, labels(i)), TOKEN);
      },
      arrivals,
    });
  } finally {
    await served.close();
  }
}

/** Alertmanager webhook received → scaling PATCH at the Cloud Run and Kubernetes fakes, warm, serial. */
export async function main(): Promise<Record<string, unknown>> {
  const total = WARMUP + COUNT;
  const child = fork(fileURLToPath(import.meta.url), ['--fakes', String(total)], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  const urls = (await next()) as { run: string; k8s: string };
  const arrivals = (which: 'run' | 'k8s') => async () => {
    const reply = next();
    child.send(`arrivals:${which}`);
    return new Map((await reply) as [number, number][]);
  };
  const cloudRunServices: Record<string, unknown> = {};
  const k8sServices: Record<string, unknown> = {};
  for (let i = 0; i < total; i++) {
    cloudRunServices[`web${i}`] = { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: `web${i}` };
    k8sServices[`backend${i}`] = {
      platform: 'kubernetes',
      namespace: 'prod',
      deployment: `backend${i}`,
      server: urls.k8s,
    };
  }
  const auth = { tokens: [{ env: 'AUTOSCALE_BENCH_TOKEN' }] };
  try {
    const run = await measure(
      EstateSchema.parse({
        auth,
        endpoints: { run: { url: urls.run, credentials: 'none' } },
        guard,
        services: cloudRunServices,
        autoscale: { policies: [{ match: { alert: 'HighLatency' }, up: { max: 10 } }] },
      }),
      'HighLatency',
      (i) => ({ service_name: `web${i}`, project_id: 'p1', location: 'us-central1' }),
      arrivals('run'),
    );
    const k8s = await measure(
      EstateSchema.parse({
        auth,
        guard,
        services: k8sServices,
        autoscale: { policies: [{ match: { alert: 'SlowResponse' }, up: { step: '+2', max: 5 } }] },
      }),
      'SlowResponse',
      (i) => ({ namespace: 'prod', deployment: `backend${i}` }),
      arrivals('k8s'),
    );
    const result = {
      bench: 'autoscale',
      what: 'Alertmanager webhook received → scaling PATCH at the fake (auth, intake, idempotency, alert trail, scaling read, guard, re-read under the lock); warm, serial, one service per alert; fakes in a child process',
      node: process.version,
      warmup: WARMUP,
      cloudRun: { ...run, meetsTarget: run.p99 < TARGET_P99_MS },
      kubernetes: { ...k8s, meetsTarget: k8s.p99 < TARGET_P99_MS },
      targetP99Ms: TARGET_P99_MS,
      meetsTarget: run.p99 < TARGET_P99_MS && k8s.p99 < TARGET_P99_MS,
    };
    for (const [name, stats] of [
      ['Cloud Run minInstanceCount', run],
      ['Kubernetes scale subresource', k8s],
    ] as const) {
      console.log(
        `autoscale alert → ${name} PATCH over ${stats.count} alerts: p50 ${stats.p50} ms, p99 ${stats.p99} ms (target p99 < ${TARGET_P99_MS} ms)`,
      );
    }
    report('autoscale', result);
    return result;
  } finally {
    child.send('stop');
  }
}

if (process.argv.includes('--fakes')) {
  await serveFakes(Number(process.argv[process.argv.indexOf('--fakes') + 1]));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
