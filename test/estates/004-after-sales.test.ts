import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../functions/backup-verify/types.js';
import { writeUrl } from '../../shared/adapters/storage/index.js';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import type { RecordingServer } from '../fakes/recording-server.js';
import { startLocalRedis } from '../support/memorystore.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import {
  exampleDoc,
  nextRun,
  outsideFreezes,
  type RunningEstate,
  replaceAll,
  runScheduled,
  startEstate,
  startInbox,
  stopEstate,
  waited,
} from './harness.js';
import {
  alertmanager,
  kubeconfig,
  localStamp,
  pgDatabase,
  serveEstate,
  startApp,
  startPrometheus,
  startTlsHosts,
} from './stand-ins.js';

// Runbook 004 (after-sales, Kubernetes): examples/004-after-sales.yaml, its endpoints pointed at local stand-ins,
// every function it configures run end to end, and its Sunday 02:00 restore drill run when the estate schedules it.

const TOKEN = 'oncall-token-004-5f1c';
const NS = 'after-sales-prod';
const HOSTS = ['api.after-sales.com', 'app.after-sales.com', 'grafana.after-sales.com'];
const DAILY = 's3://after-sales-backups/postgres/daily/';

let running: RunningEstate;
let served: Awaited<ReturnType<typeof serveEstate>>;
let k8s: FakeKubernetes;
let s3: S3TestServer;
let inbox: RecordingServer;
const stops: (() => Promise<unknown>)[] = [];
let dump: Buffer;
const deployedAt = new Date(Date.now() - 20 * 60_000);

const backend = () => k8s.deployments.get(`${NS}/backend`);
const image = () => k8s.image(NS, 'backend');
const post = (fn: string, body: unknown) => served.call(`/${fn}`, TOKEN, body);
/** Puts a plain `pg_dump > *.sql`, as the runbook makes them, where its CronJob uploads them, named by its local time. */
/** When each dump uploaded so far was taken. */
const uploaded: Date[] = [];
const upload = (at: Date) => {
  uploaded.push(at);
  return writeUrl(`${DAILY}after_sales_${localStamp(at, 'Asia/Shanghai')}.sql`, dump, {
    endpoints: { s3: { url: s3.endpoint } },
  });
};

beforeAll(async () => {
  k8s = new FakeKubernetes();
  const [prometheus, app, tls, redis, source] = await Promise.all([
    // The runbook's rules, as Prometheus would answer them for the backend: 5xx/s above 0.01 since v2 went out.
    startPrometheus((query, at) => {
      if (query.includes('increase(')) return 600;
      if (query.includes('kubelet_volume_stats')) return 0.45;
      if (query.includes('status=~"5.."'))
        return at.getTime() <= deployedAt.getTime() + 1_000 || image()?.endsWith(':v1') ? 0.002 : 0.05;
      return undefined;
    }),
    startApp({ '/health': 200, '/': 200 }),
    startTlsHosts(HOSTS),
    startLocalRedis(['--appendonly', 'yes'], false),
    pgDatabase(
      "CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL); INSERT INTO conversations SELECT g, 'conversation ' || g FROM generate_series(1, 60000) g;",
    ),
    k8s.server.start(),
  ]);
  [s3, inbox] = await Promise.all([startS3Server(['after-sales-backups']), startInbox()]);
  stops.push(prometheus.stop.bind(prometheus), app.close, tls.close, redis.stop, source.drop, s3.stop, () =>
    inbox.stop(),
  );
  dump = await source.dump();
  // The cluster as the runbook shows it: backend (3 replicas, v2 deployed 20 minutes ago) and agent.
  k8s.addDeployment(
    NS,
    'backend',
    ['registry/backend:v1', 'registry/backend:v2'],
    [new Date(Date.now() - 2 * 86_400_000), deployedAt],
    3,
  );
  k8s.addDeployment(NS, 'agent', ['registry/agent:v1'], [new Date(Date.now() - 5 * 86_400_000)], 2);
  for (const [name, n] of [
    ['backend', 3],
    ['agent', 2],
  ] as const)
    for (let i = 0; i < n; i++) k8s.addPod(NS, name, { name: `${name}-${i}` });
  process.env.KUBECONFIG = await kubeconfig({ [NS]: k8s.server.url });
  stops.push(async () => delete process.env.KUBECONFIG);
  // The bucket's owner role: the SDK's default chain, as on the cluster's nodes.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  await upload(new Date(Date.now() - 26 * 3_600_000));
  await upload(new Date(Date.now() - 2 * 3_600_000));

  const doc = exampleDoc('004-after-sales.yaml');
  replaceAll(doc, 'https://api.after-sales.com', app.url);
  replaceAll(doc, 'https://app.after-sales.com', app.url);
  doc.endpoints.prometheus.url = prometheus.url;
  doc.endpoints.s3 = { url: s3.endpoint };
  doc.backups['pg-oss'].endpoint = s3.endpoint;
  doc.certificates.endpoints = HOSTS.map((host) => tls.endpoint(host));
  doc.certificates.caFile = tls.caFile;
  const primary = `postgres://postgres@127.0.0.1:5432/${source.name}`;
  running = await startEstate(doc, {
    env: {
      OPSFN_TOKEN: TOKEN,
      AFTER_SALES_PRIMARY_URL: primary,
      AFTER_SALES_REPLICA_URL: primary,
      AFTER_SALES_TEST_RESTORE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      AFTER_SALES_REDIS_URL: redis.url,
      FEISHU_ONCALL_WEBHOOK_URL: `${inbox.url}/feishu/oncall`,
      FEISHU_ONCALL_SIGNING_SECRET: 'oncall-signing',
      FEISHU_INCIDENT_WEBHOOK_URL: `${inbox.url}/feishu/incident`,
      FEISHU_INCIDENT_SIGNING_SECRET: 'incident-signing',
      OSS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      OSS_ACCESS_KEY_SECRET: s3.credentials.secretAccessKey,
    },
  });
  await outsideFreezes(running.estate);
  served = await serveEstate(running);
}, 60_000);

afterAll(() => stopEstate(served, running, stops), 30_000);

describe('estate 004 (after-sales on Kubernetes) on local stand-ins', () => {
  it("probes the public hosts' certificates on the address they resolve to", async () => {
    const reply = await post('certExpiry', {});
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect((reply.body.items as unknown[]).length).toBe(3);
  });

  it('sweeps the daily checks: pods, API and app, both databases, Redis, disks', async () => {
    const reply = await post('healthSweep', {});
    const items = reply.body.items as { check: string; status: string; detail: string }[];
    expect(Object.fromEntries(items.map((i) => [i.check, i.status]))).toEqual({
      'api-health': 'ok',
      app: 'ok',
      'backend-pods': 'ok',
      'agent-pods': 'ok',
      'postgres-primary': 'ok',
      'postgres-replica': 'ok',
      redis: 'ok',
      disk: 'ok',
    });
  });

  it("scales the backend 3 → 5 on SlowResponse, and not on a database container's HighCPU", async () => {
    const slow = await post(
      'autoscale',
      alertmanager([{ labels: { alertname: 'SlowResponse', severity: 'warning' } }]),
    );
    expect(slow.body).toMatchObject({ outcome: 'ok', summary: 'backend: up 3 → 5' });
    expect(backend()?.spec.replicas).toBe(5);
    const postgresCpu = await post(
      'autoscale',
      alertmanager([{ labels: { alertname: 'HighCPU', namespace: NS, pod: 'postgres-0', container: 'postgres' } }]),
    );
    expect(postgresCpu.body).toMatchObject({ outcome: 'skipped' });
    expect(String(postgresCpu.body.summary)).toContain('no autoscale policy matches');
    expect(backend()?.spec.replicas).toBe(5);
  });

  it("confirms HighErrorRate as the runbook's 5xx rate, undoes the rollout and sees it recover", async () => {
    const before = waited.length;
    const reply = await post(
      'rollback',
      alertmanager([{ labels: { alertname: 'HighErrorRate', severity: 'critical' } }]),
    );
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect(String(reply.body.summary)).toMatch(/rolled backend back .*→ .*; recovered/);
    expect(image()).toBe('registry/backend:v1');
    expect(JSON.stringify(reply.body.items)).toContain('5xx rate 0.05/s over 600 requests > threshold 0.01/s');
    // It settled for the estate's 3m before it judged the recovery.
    expect(waited.slice(before)).toContain(180_000);
    expect(inbox.find('POST', /^\/feishu\//).length).toBeGreaterThan(0);
  });

  it('runs the quarter-end drill from the off-site dump, counting the conversations, and cleans up', async () => {
    const { started, record } = await served.drill('quarter-end', TOKEN);
    expect(started.status).toBe(202);
    expect(record).toMatchObject({ status: 'passed' });
    const steps = record.steps as { name: string; status: string }[];
    expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(['restore:ok', 'data:ok', 'health:ok', 'cleanup:ok']);
  });

  it('verifies every backup and restores the newest dump at 02:00 on Sunday, as the estate schedules it', async () => {
    const { at: sunday } = await nextRun(running, 'backup-restore-test');
    // The CronJob's 02:00 dump of the day before, as that Sunday finds it.
    await upload(new Date(sunday.getTime() - 86_400_000));
    const { at, timeZone, envelope } = await runScheduled(running, 'backup-restore-test');
    expect(at).toEqual(sunday);
    expect(timeZone).toBe('Asia/Shanghai');
    expect(localStamp(at, timeZone)).toMatch(/_020000$/);
    expect(new Intl.DateTimeFormat('en', { timeZone, weekday: 'long' }).format(at)).toBe('Sunday');
    expect(envelope.trigger).toMatchObject({ kind: 'scheduled', id: `local:backup-restore-test:${at.toISOString()}` });
    const results = Object.fromEntries((envelope.items as BackupResult[]).map((r) => [r.backup, r]));
    // The newest dump that Sunday: the day before's 02:00 one, or, run late on a Friday (UTC), the setup's dump of
    // two hours ago, taken after it.
    const newest = new Date(Math.max(...uploaded.filter((d) => d <= sunday).map((d) => d.getTime())));
    expect(results['pg-s3']?.object?.key).toBe(`postgres/daily/after_sales_${localStamp(newest, 'Asia/Shanghai')}.sql`);
    expect(results['pg-s3']?.checks.find((c) => c.name === 'restore')).toMatchObject({ status: 'ok' });
    expect(Object.values(results).map((r) => `${r.backup}:${r.status}`)).toEqual([
      'pg-s3:ok',
      'pg-oss:ok',
      'redis-persistence:ok',
    ]);
  });
});
