import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../functions/backup-verify/types.js';
import { FakeKubernetes } from '../fakes/kubernetes.js';
import type { RecordingServer } from '../fakes/recording-server.js';
import {
  exampleDoc,
  nextRun,
  type RunningEstate,
  replaceAll,
  runScheduled,
  startEstate,
  startInbox,
  stopEstate,
} from './harness.js';
import {
  alertmanager,
  kubeconfig,
  localStamp,
  mysqlDatabase,
  serveEstate,
  startApp,
  startPrometheus,
  startTlsHosts,
} from './stand-ins.js';

// Runbook 001 (enterprise chat, Kubernetes, one opsfn serve with memory state): examples/001-chat.yaml on local
// stand-ins, every function it configures end to end, its kill switch, and the daily backup verification fired by
// the embedded scheduler at 03:30 in the estate's time zone.

const run = promisify(execFile);
const TOKEN = 'oncall-token-001-77b0';
const ALERTS = 'alertmanager-token-001-3c9d';
const NS = 'chat-system';
const TZ = 'Asia/Taipei';
const SERVICES = ['gateway', 'user-service', 'social-service', 'message-service'];

let running: RunningEstate;
let served: Awaited<ReturnType<typeof serveEstate>>;
let k8s: FakeKubernetes;
let inbox: RecordingServer;
let dir: string;
let pauseFile: string;
let dump: Buffer;
const stops: (() => Promise<unknown>)[] = [];
const deployedAt = new Date(Date.now() - 15 * 60_000);

const replicas = (name: string) => k8s.deployments.get(`${NS}/${name}-deployment`)?.spec.replicas;
const image = (name: string) => k8s.image(NS, `${name}-deployment`);
const alert = (fn: string, labels: Record<string, string>) => served.call(`/${fn}`, ALERTS, alertmanager([{ labels }]));
/** The runbook's backup script: `mysqldump … chatdb > /backup/chatdb_$DATE.sql`, named in its local time. */
const backup = (at: Date) => writeFile(join(dir, 'backup', `chatdb_${localStamp(at, TZ)}.sql`), dump);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsfn-estate-001-'));
  await run('mkdir', ['-p', join(dir, 'backup'), join(dir, 'lib')]);
  pauseFile = join(dir, 'lib', 'pause');
  k8s = new FakeKubernetes();
  const [prometheus, app, tls, chatdb] = await Promise.all([
    // grpc_calls_total as Prometheus gives it: the gateway's error share is high since its last deploy.
    startPrometheus((query, at) => {
      if (query.includes('process_resident_memory_bytes')) return 9e8;
      if (query.includes('increase(')) return 5_000;
      if (query.includes('status="error"')) {
        const broken = query.includes('service="gateway"') && image('gateway')?.endsWith(':v2');
        return broken && at.getTime() > deployedAt.getTime() + 1_000 ? 0.3 : 0.002;
      }
      return undefined;
    }),
    startApp({
      ...Object.fromEntries(SERVICES.map((s) => [`/${s}/health`, 200])),
      '/consul/v1/status/leader': { status: 200, body: '10.0.4.12:8300' },
    }),
    startTlsHosts(['chat-gateway.example.com']),
    mysqlDatabase(
      'CREATE TABLE messages (id bigint PRIMARY KEY, body text); INSERT INTO messages SELECT seq, CONCAT(MD5(seq), MD5(seq * 3)) FROM seq_1_to_25000;',
    ),
    k8s.server.start(),
  ]);
  inbox = await startInbox();
  stops.push(prometheus.stop.bind(prometheus), app.close, tls.close, chatdb.drop, () => inbox.stop());
  dump = (
    await run('mysqldump', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '--single-transaction', chatdb.name], {
      encoding: 'buffer',
      maxBuffer: 1 << 28,
    })
  ).stdout;
  for (const name of SERVICES) {
    const images = name === 'gateway' ? ['chat/gateway:v1', 'chat/gateway:v2'] : [`chat/${name}:v1`];
    const created = name === 'gateway' ? [new Date(Date.now() - 3 * 86_400_000), deployedAt] : [deployedAt];
    k8s.addDeployment(NS, `${name}-deployment`, images, created, name === 'message-service' ? 2 : 1);
    k8s.addPod(NS, `${name}-deployment`, { name: `${name}-0` });
  }
  process.env.KUBECONFIG = await kubeconfig({ 'chat-prod': k8s.server.url });
  stops.push(
    async () => delete process.env.KUBECONFIG,
    () => rm(dir, { recursive: true, force: true }),
  );

  const doc = exampleDoc('001-chat.yaml');
  for (const [i, name] of SERVICES.entries())
    replaceAll(doc, `http://${name}.chat-system.svc:808${i}`, `${app.url}/${name}`);
  replaceAll(doc, 'http://consul.chat-system.svc:8500', `${app.url}/consul`);
  replaceAll(doc, 'file:///backup/', `file://${dir}/backup/`);
  const kafka = doc.health.checks.find((c: { name: string }) => c.name === 'kafka');
  Object.assign(kafka, { host: '127.0.0.1', port: Number(new URL(app.url).port) });
  doc.endpoints.prometheus.url = prometheus.url;
  doc.certificates.endpoints = [tls.endpoint('chat-gateway.example.com')];
  doc.certificates.caFile = tls.caFile;
  doc.guard.pauseFile = pauseFile;
  running = await startEstate(doc, {
    env: {
      OPSFN_TOKEN: TOKEN,
      OPSFN_TOKEN_ALERTMANAGER: ALERTS,
      CHATDB_URL: `mysql://root@127.0.0.1:3306/${chatdb.name}`,
      CHAT_ONCALL_WEBHOOK_URL: `${inbox.url}/oncall`,
    },
  });
  served = await serveEstate(running);
}, 60_000);

afterAll(() => stopEstate(served, running, stops), 30_000);

describe('estate 001 (enterprise chat on Kubernetes, one opsfn serve) on local stand-ins', () => {
  it("checks the gateway's certificate", async () => {
    expect((await served.call('/certExpiry', TOKEN, {})).body).toMatchObject({ outcome: 'ok' });
  });

  it('sweeps the health ports, pods, MariaDB, Kafka, the Consul leader and the gateway memory', async () => {
    const reply = await served.call('/healthSweep', TOKEN, {});
    expect(reply.body).toMatchObject({ summary: '12 check(s): 12 ok, 0 warn, 0 fail' });
  });

  it("confirms ServiceDown for a job with opsfn's own probes of its service", async () => {
    const reply = await alert('healthSweep', { alertname: 'ServiceDown', job: 'gateway', severity: 'critical' });
    const checks = (reply.body.items as { check: string; status: string }[]).map((i) => `${i.check}:${i.status}`);
    expect(checks).toEqual(['gateway-health:ok', 'gateway-pods:ok']);
  });

  it("steps the gateway and the message service up on HighLatency, toward the runbook's 3 and 5 replicas", async () => {
    expect((await alert('autoscale', { alertname: 'HighLatency', job: 'gateway' })).body.summary).toBe(
      'gateway: up 1 → 2',
    );
    expect((await alert('autoscale', { alertname: 'HighLatency', job: 'message-service' })).body.summary).toBe(
      'message-service: up 2 → 4',
    );
    expect([replicas('gateway'), replicas('message-service')]).toEqual([2, 4]);
    // The Alertmanager token posts alerts and nothing else.
    expect((await served.call('/control/pause', ALERTS, {})).status).toBe(403);
  });

  it('undoes the gateway rollout on HighErrorRate (gRPC errors over 10 %), confirmed from Prometheus', async () => {
    const reply = await alert('rollback', { alertname: 'HighErrorRate', service: 'gateway', severity: 'warning' });
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect(String(reply.body.summary)).toMatch(/^rolled gateway back .* → .*; recovered$/);
    expect(image('gateway')).toBe('chat/gateway:v1');
    expect(inbox.find('POST', /^\/oncall$/).length).toBeGreaterThan(0);
  });

  it('stops every change while paused: through POST /control on the serve, or the pause file on its host', async () => {
    // An on-call engineer scales the user service by hand for a load test while the kill switch is on.
    const scale = () => served.call('/autoscale', TOKEN, { service: 'user-service', replicas: 2, reason: 'load test' });
    expect((await served.call('/control/pause', TOKEN, { reason: 'chat migration' })).status).toBe(200);
    expect((await scale()).body).toMatchObject({ actions: [{ status: 'refused', by: 'kill-switch' }] });
    expect((await served.call('/control/resume', TOKEN, {})).status).toBe(200);
    await writeFile(pauseFile, 'kafka upgrade\n');
    expect((await scale()).body).toMatchObject({
      actions: [{ status: 'refused', by: 'kill-switch', reason: expect.stringContaining('kafka upgrade') }],
    });
    await rm(pauseFile);
    expect(replicas('user-service')).toBe(1);
    expect((await scale()).body).toMatchObject({ outcome: 'ok' });
    expect(replicas('user-service')).toBe(2);
  });

  it('verifies the mysqldump files of /backup every day at 03:30 Taipei time, kept 7 days', async () => {
    const { at: next } = await nextRun(running, 'backup-verify');
    for (const hoursBefore of [49, 25, 1]) await backup(new Date(next.getTime() - hoursBefore * 3_600_000));
    const { at, timeZone, envelope } = await runScheduled(running, 'backup-verify');
    expect(at).toEqual(next);
    expect([timeZone, localStamp(at, TZ).slice(-6)]).toEqual([TZ, '033000']);
    const [dumps] = envelope.items as BackupResult[];
    expect(dumps).toMatchObject({ backup: 'chatdb-dumps', status: 'ok' });
    expect(dumps?.checks.find((c) => c.name === 'completeness')?.detail).toContain('mysqldump');
  });
});
