import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../functions/backup-verify/types.js';
import { DockerEngine } from '../../shared/adapters/platforms/docker-engine.js';
import type { RecordingServer } from '../fakes/recording-server.js';
import {
  appService,
  composeUp,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../support/docker.js';
import { freePort } from '../support/local-process.js';
import { startLocalRedis } from '../support/memorystore.js';
import {
  exampleDoc,
  type RunningEstate,
  replaceAll,
  runScheduled,
  startEstate,
  startInbox,
  stopEstate,
  waited,
} from './harness.js';
import { alertmanager, pgDatabase, serveEstate, startApp, startPrometheus, startTlsHosts } from './stand-ins.js';

// Runbook 003 (exchange, docker compose): examples/003-exchange.yaml on local stand-ins, every function it
// configures end to end, and its daily backup verification fired by the embedded scheduler at its time.

const TOKEN = 'oncall-token-003-9a2e';
const sfx = uniqueSuffix();
const repo = `opsfn-test-${sfx}/exchange-gateway`;
const project = `opsfn-estate-003-${sfx}`;
const engine = new DockerEngine();

let running: RunningEstate;
let served: Awaited<ReturnType<typeof serveEstate>>;
let inbox: RecordingServer;
let dir: string;
let envFile: string;
const stops: (() => Promise<unknown>)[] = [];
let v2Deployed = new Date(8.64e15);

const gatewayImage = async () =>
  (await engine.containers(project, 'gateway')).find((c) => c.state === 'running')?.image;
const ready = (consumers: string[]) => ({
  status: 200,
  body: {
    status: 'ready',
    dependencies: { postgres: 'up', redis: 'up', ...Object.fromEntries(consumers.map((c) => [c, 'up'])) },
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsfn-estate-003-'));
  const port = await freePort();
  const [prometheus, app, tls, redis, db] = await Promise.all([
    // The gateway's 5xx share as Prometheus would give it: high while v2 serves.
    startPrometheus(async (query, at) => {
      if (query.includes('increase(')) return 900;
      // Before v2 went out (the previous image's last window) the share was low; after, it is the serving image's.
      if (query.includes('code=~"5.."'))
        return at < v2Deployed || !(await gatewayImage())?.endsWith(':v2') ? 0.001 : 0.2;
      return undefined;
    }),
    startApp({
      '/gateway/health': 200,
      '/gateway/ready': ready(['privateEventsConsumer']),
      '/matching/ready': ready(['eventStreamConsumer', 'orderStreamConsumer']),
      '/order/ready': ready(['eventStreamConsumer', 'orderStreamConsumer']),
      '/clearing/ready': ready(['eventStreamConsumer', 'orderStreamConsumer']),
      '/marketdata/ready': ready(['eventStreamConsumer']),
    }),
    startTlsHosts(['exchange-gateway.example.com'], 2),
    startLocalRedis(['--appendonly', 'yes', '--save', '3600 1'], false),
    pgDatabase('CREATE TABLE orders (id bigint PRIMARY KEY);'),
    importAppImage(repo, 'v1', 200),
    importAppImage(repo, 'v2', 200),
  ]);
  inbox = await startInbox();
  stops.push(prometheus.stop.bind(prometheus), app.close, tls.close, redis.stop, db.drop, () => inbox.stop());
  stops.push(
    () => removeProject(project),
    () => removeImages(`${repo}:v1`, `${repo}:v2`),
    () => rm(dir, { recursive: true, force: true }),
  );
  // The streams the matching engine consumes: its consumer read and acknowledged what came in; one old dead letter.
  const client = new Redis(redis.url);
  await client.xgroup('CREATE', 'exchange:orders', 'matching', '$', 'MKSTREAM');
  await client.xadd('exchange:orders', '*', 'id', '1');
  const read = (await client.xreadgroup('GROUP', 'matching', 'matching-1', 'STREAMS', 'exchange:orders', '>')) as
    | [string, [string, string[]][]][]
    | null;
  for (const [, entries] of read ?? [])
    for (const [id] of entries) await client.xack('exchange:orders', 'matching', id);
  await client.xadd('exchange:orders:dlq', '*', 'id', '0');
  client.disconnect();

  // deploy/prod/docker-compose.yml and prod.env: every image is …:${APP_VERSION}.
  const file = await writeComposeFile(dir, { gateway: appService(`${repo}:\${APP_VERSION}`, port) });
  envFile = join(dir, 'prod.env');
  await writeFile(envFile, 'APP_VERSION=v1\n');
  await composeUp(project, file, { APP_VERSION: 'v1' });

  const doc = exampleDoc('003-exchange.yaml');
  for (const service of ['exchange-gateway', 'matching', 'order', 'clearing', 'marketdata']) {
    replaceAll(doc, `http://${service}:8080`, `${app.url}/${service === 'exchange-gateway' ? 'gateway' : service}`);
  }
  Object.assign(doc.services.gateway, { project, files: [file], envFile });
  doc.endpoints.prometheus.url = prometheus.url;
  doc.certificates.endpoints = [
    tls.endpoint('exchange-gateway.example.com', 0),
    tls.endpoint('exchange-gateway.example.com', 1),
  ];
  doc.certificates.caFile = tls.caFile;
  doc.reports.url = `file://${dir}/reports/`;
  running = await startEstate(doc, {
    env: {
      OPSFN_TOKEN: TOKEN,
      REDIS_URL: redis.url,
      DB_URL: db.url,
      EXCHANGE_ONCALL_WEBHOOK_URL: `${inbox.url}/oncall`,
    },
  });
  served = await serveEstate(running);
}, 90_000);

afterAll(() => stopEstate(served, running, stops), 60_000);

describe('estate 003 (exchange on docker compose) on local stand-ins', () => {
  it("probes the gateway's certificates on both its TLS ports", async () => {
    const reply = await served.call('/certExpiry', TOKEN, {});
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect((reply.body.items as unknown[]).length).toBe(2);
  });

  it('checks health, readiness with the consumer loops, PostgreSQL, the Streams backlog and the dead letters', async () => {
    const reply = await served.call('/healthSweep', TOKEN, {});
    const items = reply.body.items as { check: string; status: string; detail: string }[];
    expect(Object.fromEntries(items.map((i) => [i.check, i.status]))).toEqual({
      'gateway-health': 'ok',
      'gateway-ready': 'ok',
      'matching-ready': 'ok',
      'order-ready': 'ok',
      'clearing-ready': 'ok',
      'marketdata-ready': 'ok',
      postgres: 'ok',
      'streams-backlog': 'ok',
      'dead-letters': 'ok',
    });
  });

  it('rolls the gateway back to the previous APP_VERSION, the app first and never the data', async () => {
    // opsfn sees v1 serve, then a person deploys v2 with `docker compose up -d`, as the runbook does.
    const seen = await served.call('/rollback', TOKEN, alertmanager([{ labels: { alertname: 'HighErrorRate' } }]));
    expect(seen.body).toMatchObject({ outcome: 'ok' });
    await writeFile(envFile, 'APP_VERSION=v2\n');
    await composeUp(project, (running.estate.services.gateway as { files: string[] }).files[0] ?? '', {
      APP_VERSION: 'v2',
    });
    v2Deployed = new Date();
    expect(await gatewayImage()).toBe(`${repo}:v2`);
    const before = waited.length;
    const reply = await served.call('/rollback', TOKEN, alertmanager([{ labels: { alertname: 'HighErrorRate' } }]));
    expect(reply.body).toMatchObject({
      outcome: 'ok',
      summary: `rolled gateway back ${repo}:v2 → ${repo}:v1; recovered`,
    });
    expect(await gatewayImage()).toBe(`${repo}:v1`);
    expect(JSON.stringify(reply.body.actions)).toContain('APP_VERSION=v1');
    expect(waited.slice(before)).toContain(180_000);
    expect(inbox.find('POST', /^\/oncall$/).length).toBeGreaterThan(0);
  }, 60_000);

  it("verifies that the Streams' Redis persists with AOF and saved within the hour", async () => {
    const reply = await served.call('/backupVerify', TOKEN, {});
    const [redis] = reply.body.items as BackupResult[];
    expect(redis).toMatchObject({ backup: 'streams-redis', status: 'ok' });
    expect(redis?.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['bgsave:ok', 'freshness:ok', 'aof:ok']);
  });

  it("sweeps health every 5 minutes on the estate's clock, as the embedded scheduler runs it", async () => {
    const { at, timeZone, envelope } = await runScheduled(running, 'health-sweep');
    expect(timeZone).toBe('Asia/Shanghai');
    expect(at.getUTCMinutes() % 5).toBe(0);
    expect(envelope.trigger).toMatchObject({ kind: 'scheduled', id: `local:health-sweep:${at.toISOString()}` });
    expect(envelope.summary).toBe('9 check(s): 9 ok, 0 warn, 0 fail');
  });
});
