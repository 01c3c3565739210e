import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { defaultRollbackDeps } from '../../../functions/rollback/deps.js';
import { createRollback } from '../../../functions/rollback/handler.js';
import type { Notification } from '../../../shared/core/notify/notification.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createHttpServer } from '../../../shared/host/runtime/node-server.js';
import { createRuntime, type Runtime } from '../../../shared/host/runtime/runtime.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';
import { startAlertmanager } from '../../support/alertmanager.js';
import { freePort, type LocalProcess } from '../../support/local-process.js';
import { startPrometheus } from '../../support/prometheus.js';

const TOKEN = 'am-webhook-token';
const RULES = `groups:
  - name: opsfn-test
    interval: 1s
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s])) > 0.01
        for: 2s
        labels: { severity: page, namespace: prod, deployment: backend }
        annotations: { summary: "5xx > 1%" }
`;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

describe('rollback chain: Prometheus rule → Alertmanager → function → Kubernetes rollout undo', () => {
  const counts = { ok: 0, errors: 0, broken: true };
  const app = createServer((_req, res) => {
    // Every scrape stands for 100 requests; half fail while the bad ReplicaSet serves.
    counts.ok += counts.broken ? 50 : 100;
    counts.errors += counts.broken ? 50 : 0;
    res.end(
      `# TYPE http_requests_total counter\nhttp_requests_total{code="200"} ${counts.ok}\nhttp_requests_total{code="500"} ${counts.errors}\n`,
    );
  });
  const k8s = new FakeKubernetes();
  const sent: Notification[] = [];
  let runtime: Runtime;
  let fnServer: Server;
  let fnUrl = '';
  const processes: LocalProcess[] = [];

  beforeAll(async () => {
    const appPort = await listen(app);
    await k8s.server.start();
    k8s.addDeployment(
      'prod',
      'backend',
      ['app:1', 'app:2', 'app:3'],
      [new Date(Date.now() - 86_400_000), new Date(Date.now() - 3_600_000 * 5), new Date(Date.now() - 5 * 60_000)],
    );
    k8s.server.listeners.push((r) => {
      if (r.method === 'PATCH') counts.broken = false;
    });
    const query = 'sum(rate(http_requests_total{code=~"5.."}[$window])) / sum(rate(http_requests_total[$window]))';
    const prometheusPort = await freePort();
    const config = EstateSchema.parse({
      auth: { tokens: [{ env: 'ROLLBACK_E2E_TOKEN' }] },
      endpoints: { prometheus: { url: `http://127.0.0.1:${prometheusPort}` } },
      services: {
        backend: { platform: 'kubernetes', namespace: 'prod', deployment: 'backend', server: k8s.server.url },
      },
      rollback: {
        policies: [
          {
            match: { alert: 'HighErrorRate' },
            errorRate: {
              threshold: '1%',
              window: '5s',
              minRequests: 10,
              query,
              totalQuery: 'sum(increase(http_requests_total[$window]))',
            },
            settle: '3s',
          },
        ],
      },
    });
    const definition = createRollback({
      ...defaultRollbackDeps({ timing: { timeoutMs: 5_000, pollMs: 50 } }),
    });
    runtime = await createRuntime({
      config,
      functions: [definition],
      state: new MemoryStateStore(),
      env: { ROLLBACK_E2E_TOKEN: TOKEN },
      logSink: () => {},
      notifier: {
        notify: async (m) => {
          sent.push(m);
          return [{ channel: 'test', ok: true, attempts: 1 }];
        },
      },
    });
    fnServer = createHttpServer(runtime);
    fnUrl = `http://127.0.0.1:${await listen(fnServer)}`;
    const alertmanager = await startAlertmanager({ webhookUrl: `${fnUrl}/rollback`, bearer: TOKEN });
    processes.push(alertmanager);
    const prometheus = await startPrometheus({
      scrapeTarget: `127.0.0.1:${appPort}`,
      rules: RULES,
      alertmanager: `127.0.0.1:${alertmanager.port}`,
      port: prometheusPort,
    });
    processes.push(prometheus);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await new Promise<void>((resolve) => fnServer?.close(() => resolve()));
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await k8s.server.stop();
    await runtime?.close();
  });

  it('refuses a webhook without the bearer token', async () => {
    const response = await fetch(`${fnUrl}/rollback`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(401);
  });

  it('confirms the error rate, undoes the rollout and verifies recovery', async () => {
    const patch = await waitFor('the rollout undo PATCH', () => k8s.server.find('PATCH', /deployments\/backend$/)[0]);
    expect(patch.headers['content-type']).toMatch(/json-patch\+json/);
    expect(k8s.image('prod', 'backend')).toBe('app:2');
    const verified = await waitFor('the verification message', () =>
      sent.find((m) => /recovered on|could not be verified|still failing/.test(m.title)),
    );
    expect(verified.title).toMatch(/recovered on backend-/);
    expect(sent.some((m) => /rolled back backend-\S+ → backend-/.test(m.title))).toBe(true);
    expect(k8s.server.find('PATCH', /deployments\/backend$/)).toHaveLength(1);
  }, 60_000);
});
