import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../functions/backup-verify/types.js';
import { FakeCloudRun } from '../fakes/cloud-run.js';
import { FakeCloudRunDr } from '../fakes/cloud-run-dr.js';
import { type FakeGcs, startFakeGcs } from '../fakes/gcs.js';
import { FakeMonitoring } from '../fakes/monitoring.js';
import type { RecordingServer } from '../fakes/recording-server.js';
import { backupRun } from '../fakes/sqladmin.js';
import { FakeSqlAdminDr } from '../fakes/sqladmin-dr.js';
import { type MemorystoreLike, startMemorystoreLike } from '../support/memorystore.js';
import {
  exampleDoc,
  nextRun,
  type RunningEstate,
  replaceAll,
  runScheduled,
  startEstate,
  startInbox,
  stopEstate,
  waited,
} from './harness.js';
import { localStamp, mysqlDatabase, serveEstate, startApp, startRouter, startTlsHosts } from './stand-ins.js';

// Runbook 000 (Business Exchange Marketplace, Cloud Run): examples/000-marketplace.yaml on local stand-ins of the
// Google APIs (Cloud Run with its DR region, SQL Admin, Cloud Monitoring, GCS, Secret Manager), Memorystore, the
// MySQL behind Cloud SQL and TLS for the public hosts: every function it configures end to end, and the daily
// backup verification fired by the embedded scheduler at the estate's 12:00 Taipei time.

const PROJECT = 'businessexchange-468413';
const TOKEN = 'oncall-token-000-61aa';
const APPROVER = 'approver-token-000-0f3e';
const TZ = 'Asia/Taipei';
const HOSTS = [
  'frontend.business-exchange.example',
  'api.business-exchange.example',
  'auction.business-exchange.example',
];
const service = (region: string, name: string) => `projects/${PROJECT}/locations/${region}/services/${name}`;
const FRONTEND = service('us-central1', 'business-exchange-frontend');
const BACKEND = service('us-central1', 'business-exchange-backend');
const AUCTION = service('asia-east1', 'auction-service');
const DB = `${PROJECT}/business-exchange-db`;

let running: RunningEstate;
let served: Awaited<ReturnType<typeof serveEstate>>;
let inbox: RecordingServer;
let app: Awaited<ReturnType<typeof startApp>>;
let memorystore: MemorystoreLike;
let gcs: FakeGcs;
const run = new FakeCloudRun();
const dr = new FakeCloudRunDr();
const sql = new FakeSqlAdminDr();
const monitoring = new FakeMonitoring();
const stops: (() => Promise<unknown>)[] = [];
const deployedAt = new Date(Date.now() - 10 * 60_000);

/** An open (or closed) Cloud Monitoring incident of a policy labelled for `fn`, about one Cloud Run revision. */
function incident(fn: string, serviceName: string, revision: string, metric: string) {
  return {
    version: '1.2',
    incident: {
      incident_id: `0.${fn}-${Date.now()}`,
      scoping_project_id: PROJECT,
      started_at: Math.floor(Date.now() / 1000) - 300,
      ended_at: null,
      state: 'open',
      summary: `${metric} of ${serviceName} above the threshold`,
      url: `https://console.cloud.google.com/monitoring/alerting/incidents/0.${fn}`,
      resource: {
        type: 'cloud_run_revision',
        labels: { project_id: PROJECT, service_name: serviceName, location: 'us-central1', revision_name: revision },
      },
      metric: { type: metric, labels: {} },
      policy_name: fn,
      policy_user_labels: { 'opsfn-function': fn },
      condition_name: fn,
      condition: { name: `projects/${PROJECT}/alertPolicies/1/conditions/1`, displayName: fn },
    },
  };
}

beforeAll(async () => {
  const [tls, cloudRunRouter, mysql, reader] = await Promise.all([
    startTlsHosts(HOSTS),
    (async () => {
      await Promise.all([run.server.start(), dr.start(), sql.start(), monitoring.server.start()]);
      // One Cloud Run API: the production services, and the DR region where the drill deploys.
      return startRouter((path) => (path.includes('/locations/us-west1/') ? dr.server.url : run.server.url));
    })(),
    mysqlDatabase('CREATE TABLE listings (id bigint PRIMARY KEY);'),
    // The clone of business-exchange-db as the drill reads it: the runbook's users are there.
    mysqlDatabase(
      "CREATE TABLE users (id bigint PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@example.com');",
    ),
  ]);
  [app, memorystore, gcs, inbox] = await Promise.all([
    startApp({ '/backend/healthz': 200, '/auction/healthz': 200, '/frontend/api/healthz': 200, '/api/healthz': 200 }),
    startMemorystoreLike('standard'),
    startFakeGcs(),
    startInbox(),
  ]);
  gcs.createBucket(`${PROJECT}-opsfn-reports`);
  stops.push(
    tls.close,
    cloudRunRouter.close,
    mysql.drop,
    reader.drop,
    app.close,
    memorystore.stop,
    gcs.stop,
    () => inbox.stop(),
    () => run.server.stop(),
    () => dr.stop(),
    () => sql.stop(),
    () => monitoring.server.stop(),
  );

  // The three services; the backend's v2 went out ten minutes ago and takes all traffic (LATEST).
  const old = new Date(Date.now() - 5 * 86_400_000).toISOString();
  run.addService(FRONTEND, [{ name: 'business-exchange-frontend-00003-fe', createTime: old }]);
  run.addService(BACKEND, [
    { name: 'business-exchange-backend-00001-b1', createTime: old },
    { name: 'business-exchange-backend-00002-b2', createTime: deployedAt.toISOString() },
  ]);
  run.addService(AUCTION, [{ name: 'auction-service-00007-au', createTime: old }]);
  const scaling = run.scaling(FRONTEND);
  if (scaling) scaling.scaling.minInstanceCount = 2;
  dr.uriFor = () => app.url;
  // Requests as Cloud Monitoring counts them: the old backend revision healthy before the deploy, the new one not.
  monitoring.traffic(
    'business-exchange-backend',
    'business-exchange-backend-00001-b1',
    new Date(deployedAt.getTime() - 60_000),
    900,
    2,
  );
  monitoring.traffic(
    'business-exchange-backend',
    'business-exchange-backend-00002-b2',
    new Date(Date.now() - 60_000),
    800,
    160,
  );
  sql.addInstance(PROJECT, {
    name: 'business-exchange-db',
    databaseVersion: 'MYSQL_8_0',
    region: 'us-central1',
    settings: {
      tier: 'db-custom-2-7680',
      ipConfiguration: { privateNetwork: `projects/${PROJECT}/global/networks/default` },
      backupConfiguration: { binaryLogEnabled: true, transactionLogRetentionDays: 7, enabled: true } as never,
    },
  });

  const doc = exampleDoc('000-marketplace.yaml');
  replaceAll(doc, 'https://api.business-exchange.example', `${app.url}/backend`);
  replaceAll(doc, 'https://auction.business-exchange.example', `${app.url}/auction`);
  replaceAll(doc, 'https://frontend.business-exchange.example', `${app.url}/frontend`);
  doc.endpoints = {
    run: { url: cloudRunRouter.url, credentials: 'none' },
    sqladmin: { url: sql.server.url, credentials: 'none' },
    monitoring: { url: monitoring.server.url, credentials: 'none' },
    storage: { url: gcs.url, credentials: 'none' },
  };
  doc.notify.channels.pagerduty.url = `${inbox.url}/pagerduty`;
  doc.certificates.endpoints = HOSTS.map((host) => tls.endpoint(host));
  doc.certificates.caFile = tls.caFile;
  const secret = (name: string) => `projects/${PROJECT}/secrets/${name}/versions/latest`;
  running = await startEstate(doc, {
    env: {
      OPSFN_TOKEN: TOKEN,
      OPSFN_TOKEN_DRILL_APPROVER: APPROVER,
      MARKETPLACE_MYSQL_URL: `mysql://root@127.0.0.1:3306/${mysql.name}`,
      MEMORYSTORE_URL: memorystore.url,
      // Its host is the production instance's; the drill always replaces it with the clone's address.
      DR_READER_MYSQL_URL: `mysql://root@10.20.0.3:3306/${reader.name}`,
    },
    secrets: {
      [secret('pagerduty-routing-key')]: 'routing-key-000',
      [secret('slack-incidents-webhook')]: `${inbox.url}/slack/incidents`,
      [secret('slack-alerts-webhook')]: `${inbox.url}/slack/alerts`,
    },
  });
  served = await serveEstate(running);
}, 60_000);

afterAll(() => stopEstate(served, running, stops), 30_000);

describe('estate 000 (marketplace on Cloud Run) on local stand-ins', () => {
  it('probes the TLS of the three public hosts', async () => {
    const reply = await served.call('/certExpiry', TOKEN, {});
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect((reply.body.items as unknown[]).length).toBe(3);
  });

  it('sweeps the health pages, the Cloud Run services, Cloud SQL and Memorystore', async () => {
    const items = (await served.call('/healthSweep', TOKEN, {})).body.items as {
      check: string;
      status: string;
      detail: string;
    }[];
    expect(items.map((i) => i.check)).toEqual([
      'backend-healthz',
      'auction-healthz',
      'frontend-healthz',
      'backend-run',
      'auction-run',
      'frontend-run',
      'cloud-sql',
      'memorystore',
    ]);
    // The runbook's 50 ms target for the health page may be missed on a busy test machine: a warning, never more.
    for (const item of items.filter((i) => i.status !== 'ok'))
      expect(`${item.check} ${item.status}: ${item.detail}`).toMatch(/^backend-healthz warn: .*slow: over 50 ms/);
  });

  it('sends 100 % back to the previous revision on the 5xx alert, confirmed from Cloud Monitoring', async () => {
    const before = waited.length;
    // What Cloud Monitoring counts once the traffic is back on the old revision. The verification waits the settle
    // time and the 180 s the API may take to show it, then reads the 3 minutes that end 180 s before it reads; the
    // waits here are instant, so that window lies before the call.
    monitoring.traffic(
      'business-exchange-backend',
      'business-exchange-backend-00001-b1',
      new Date(Date.now() - 240_000),
      700,
      1,
    );
    const reply = await served.call(
      '/rollback',
      TOKEN,
      incident(
        'rollback',
        'business-exchange-backend',
        'business-exchange-backend-00002-b2',
        'run.googleapis.com/request_count',
      ),
    );
    expect(reply.body).toMatchObject({ outcome: 'ok' });
    expect(run.traffic(BACKEND)).toEqual([
      expect.objectContaining({ revision: 'business-exchange-backend-00001-b1', percent: 100 }),
    ]);
    expect(JSON.stringify(reply.body.items)).toContain('error ratio 20.00% over 800 requests > threshold 5.00%');
    expect(waited.slice(before)).toContain(360_000);
    expect(inbox.find('POST', /^\/(pagerduty|slack\/)/).length).toBeGreaterThan(0);
  });

  it('pre-warms frontend instances on the latency alert the autoscale policy reacts to', async () => {
    const reply = await served.call(
      '/autoscale',
      TOKEN,
      incident(
        'autoscale',
        'business-exchange-frontend',
        'business-exchange-frontend-00003-fe',
        'run.googleapis.com/request_latencies',
      ),
    );
    expect(reply.body).toMatchObject({ outcome: 'ok', summary: 'frontend: up 2 → 3' });
    expect(run.scaling(FRONTEND)?.scaling.minInstanceCount).toBe(3);
  });

  it('runs the quarterly drill: a second person approves, the clone is checked, the frontend answers in us-west1', async () => {
    const { record } = await served.drill('quarterly-full', TOKEN, APPROVER);
    expect(record).toMatchObject({ status: 'passed', approval: { approvedBy: 'token:drill-approver' } });
    expect((record.steps as { name: string; status: string }[]).map((s) => `${s.name}:${s.status}`)).toEqual([
      'clone:ok',
      'data:ok',
      'frontend:ok',
      'frontend-up:ok',
      'cleanup:ok',
    ]);
    expect(app.seen).toContain(`Bearer id-token-for:${app.url} /api/healthz`);
    expect([...sql.instances.keys()].filter((k) => k.includes('opsfn-drill-'))).toEqual([]);
    expect([...dr.services.keys()]).toEqual([]);
  }, 30_000);

  it('verifies the Cloud SQL backups and the sessions at 12:00 Taipei, after the 03:00 UTC backup window', async () => {
    const { at: noon } = await nextRun(running, 'backup-verify');
    // Cloud SQL's automated backups: one a day at 03:00 UTC, the last one an hour before that noon.
    sql.backupRuns.set(
      DB,
      Array.from({ length: 9 }, (_, i) =>
        backupRun(100 + i, 'SUCCESSFUL', new Date(noon.getTime() - (1 + 24 * i) * 3_600_000)),
      ),
    );
    const { at, timeZone, envelope } = await runScheduled(running, 'backup-verify');
    expect(at).toEqual(noon);
    expect([timeZone, localStamp(at, TZ).slice(-6)]).toEqual([TZ, '120000']);
    const results = Object.fromEntries((envelope.items as BackupResult[]).map((r) => [r.backup, r]));
    expect(results['cloud-sql-daily']?.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      'status:ok',
      'freshness:ok',
      'retention:ok',
      'pitr:ok',
    ]);
    // The 5-minute sessions RPO is held by Memorystore's replica; its own snapshots cannot be read from Redis.
    expect(results.sessions?.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['replica:ok', 'snapshots:skipped']);
    expect(gcs.buckets.get(`${PROJECT}-opsfn-reports`)?.size).toBeGreaterThan(0);
  });
});
