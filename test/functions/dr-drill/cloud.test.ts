import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudRunDrill } from '../../../functions/dr-drill/adapters/cloud-run.js';
import { createCloudSqlDrill } from '../../../functions/dr-drill/adapters/cloud-sql.js';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill } from '../../../functions/dr-drill/handler.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { FakeCloudRunDr } from '../../fakes/cloud-run-dr.js';
import { FakeSqlAdminDr } from '../../fakes/sqladmin-dr.js';
import { suffix } from '../../shared/adapters/databases/seed.js';
import { testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { type ProductionDb, productionDb, readyService } from './fixtures.js';

const PROD = 'projects/p1/locations/us-central1/services/frontend';
const cli = (payload: Record<string, unknown>): ManualTrigger => ({
  kind: 'manual',
  id: `cli:${suffix()}`,
  payload,
  caller: 'cli:tester',
});
const drill = createDrDrill({
  ...defaultDrDrillDeps(),
  cloudSql: (endpoint, timeoutMs, signal) => createCloudSqlDrill(endpoint, timeoutMs, signal, 10),
  cloudRun: (endpoint, timeoutMs, signal) => createCloudRunDrill(endpoint, timeoutMs, signal, 10),
  idToken: async (audience) => `id-token-for-${audience}`,
});

let sql: FakeSqlAdminDr;
let run: FakeCloudRunDr;
let svc: Awaited<ReturnType<typeof readyService>>;
beforeEach(async () => {
  sql = new FakeSqlAdminDr();
  run = new FakeCloudRunDr();
  svc = await readyService();
  await Promise.all([sql.start(), run.start()]);
  run.uriFor = () => svc.url;
  sql.addInstance('p1', {
    name: 'db1',
    databaseVersion: 'MYSQL_8_0',
    region: 'us-central1',
    settings: { tier: 'db-custom-2-7680', backupConfiguration: { binaryLogEnabled: true } },
  });
  const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
  sql.backupRuns.set('p1/db1', [
    { id: '300', status: 'FAILED', enqueuedTime: ago(10), startTime: ago(10) },
    { id: '200', status: 'SUCCESSFUL', enqueuedTime: ago(30), startTime: ago(30), endTime: ago(26) },
    { id: '100', status: 'SUCCESSFUL', enqueuedTime: ago(1470), startTime: ago(1470), endTime: ago(1466) },
  ]);
  run.addService(PROD, {
    traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'frontend-00042', percent: 100 }],
    latestReadyRevision: `${PROD}/revisions/frontend-00043`,
    template: { containers: [{ image: 'gcr.io/p1/frontend:broken' }] },
  });
  run.revisions.set('frontend-00042', {
    name: `${PROD}/revisions/frontend-00042`,
    containers: [{ image: 'gcr.io/p1/frontend@sha256:good' }],
  });
});
afterEach(async () => {
  await Promise.all([sql.stop(), run.stop(), svc.stop()]);
});

function estate(steps: unknown[], extra: Record<string, unknown> = {}) {
  return testEstate({
    endpoints: {
      sqladmin: { url: sql.server.url, credentials: 'none' },
      run: { url: run.server.url, credentials: 'none' },
    },
    services: { frontend: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'frontend' } },
    databases: { main: { kind: 'cloud-sql', project: 'p1', instance: 'db1' } },
    drills: { 'quarterly-dr': { targets: { rto: '60m', rpo: '1h' }, steps, ...extra } } as never,
  });
}

const FULL = [
  { step: 'sql.clone', database: 'main', pollInterval: '10ms' },
  { step: 'sql.restoreBackup', database: 'main', pollInterval: '10ms' },
  { step: 'run.deploy', service: 'frontend', region: 'us-west1', env: { DR: '1' }, pollInterval: '10ms' },
  { step: 'http.check', url: '{{deploy.url}}/ready', idToken: true, expect: { status: 200 } },
];

describe('drDrill cloud steps', () => {
  it('clones, restores the latest successful backup, deploys the serving image in the DR region, checks it, deletes all', async () => {
    const notifier = recordingNotifier();
    const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), {
      estate: estate(FULL),
      notifier,
    });
    const id = envelope.drill as string;
    expect(envelope.summary).toContain('passed');
    expect(envelope.outcome).toBe('ok');
    const clone = sql.server.find('POST', /\/instances\/db1\/clone$/)[0];
    expect(clone?.body).toEqual({ cloneContext: { destinationInstanceName: `opsfn-drill-${id}-clone` } });
    const restore = sql.server.find('POST', /\/restoreBackup$/)[0];
    expect(restore?.path).toBe(`/v1/projects/p1/instances/opsfn-drill-${id}-restore-backup/restoreBackup`);
    expect(restore?.body).toEqual({ restoreBackupContext: { backupRunId: '200', instanceId: 'db1', project: 'p1' } });
    const insert = sql.server.find('POST', /^\/v1\/projects\/p1\/instances$/)[0]?.body as Record<string, unknown>;
    expect(insert).toMatchObject({
      name: `opsfn-drill-${id}-restore-backup`,
      databaseVersion: 'MYSQL_8_0',
      settings: { userLabels: { 'opsfn-drill': id } },
    });
    const created = run.server.find('POST', /\/locations\/us-west1\/services$/)[0];
    expect(created?.query.get('serviceId')).toBe(`opsfn-drill-${id}-deploy`);
    expect(created?.body).toMatchObject({
      labels: { 'opsfn-drill': id },
      template: { containers: [{ image: 'gcr.io/p1/frontend@sha256:good', env: [{ name: 'DR', value: '1' }] }] },
    });
    expect(svc.hits).toEqual(['/ready']);
    expect(svc.auth).toEqual([`Bearer id-token-for-${svc.url}`]);
    expect([...sql.instances.keys()]).toEqual(['p1/db1']);
    expect([...run.services.keys()]).toEqual([PROD]);
    expect(envelope.resources).toEqual([
      { kind: 'cloud-sql', name: `opsfn-drill-${id}-clone`, state: 'deleted' },
      { kind: 'cloud-sql', name: `opsfn-drill-${id}-restore-backup`, state: 'deleted' },
      { kind: 'cloud-run', name: `opsfn-drill-${id}-deploy`, state: 'deleted' },
    ]);
    // The backup restored was taken 30 minutes ago; the clone is current: the RPO is the older one.
    expect(envelope.rpo as number).toBeGreaterThanOrEqual(1795);
    expect(envelope.rpo as number).toBeLessThan(1900);
  });

  it('runs the copy as the DR account the step or OPSFN_DR_SERVICE_ACCOUNT names', async () => {
    const deploy = (extra: Record<string, unknown>) => [
      { step: 'run.deploy', service: 'frontend', region: 'us-west1', pollInterval: '10ms', ...extra },
    ];
    const account = 'opsfn-dr@p1.iam.gserviceaccount.com';
    await runForTest(drill, cli({ plan: 'quarterly-dr' }), { estate: estate(deploy({ serviceAccount: account })) });
    process.env.OPSFN_DR_SERVICE_ACCOUNT = 'dr-default@p1.iam.gserviceaccount.com';
    try {
      await runForTest(drill, cli({ plan: 'quarterly-dr' }), { estate: estate(deploy({})) });
    } finally {
      delete process.env.OPSFN_DR_SERVICE_ACCOUNT;
    }
    const created = run.server.find('POST', /\/locations\/us-west1\/services$/);
    expect(created.map((r) => (r.body as { template: { serviceAccount?: string } }).template.serviceAccount)).toEqual([
      account,
      'dr-default@p1.iam.gserviceaccount.com',
    ]);
  });

  describe('a Cloud Run create whose answer was lost', () => {
    const DR = 'projects/p1/locations/us-west1/services/';
    const deploy = [{ step: 'run.deploy', service: 'frontend', region: 'us-west1', pollInterval: '10ms' }];
    type Item = { status: string; detail: string };

    it('finds the service the API took, waits for it to be ready, checks it and deletes it', async () => {
      run.server.failNext('POST', /\/us-west1\/services$/, { hang: true, handled: true, reset: true });
      // The create rolls out on its own once the drill looks: nobody polls an operation whose name was lost.
      run.server.listeners.push((r) => {
        if (r.method === 'GET' && r.path.includes(`/${DR}opsfn-drill-`)) run.finishAll();
      });
      const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), { estate: estate(deploy) });
      const [step] = envelope.items as Item[];
      expect(step?.status, step?.detail).toBe('ok');
      expect(step?.detail).toContain(`serves gcr.io/p1/frontend@sha256:good at ${svc.url}`);
      expect(run.server.find('POST', /\/us-west1\/services$/)).toHaveLength(1);
      expect((envelope.resources as { state: string }[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...run.services.keys()].filter((k) => k.startsWith(DR))).toEqual([]);
    });

    it('takes a 409 for its own name as its earlier attempt, whose record was lost to a crash, and goes on', async () => {
      // An earlier attempt of this very step made it, and the process died before it kept the operation.
      run.server.listeners.push((r) => {
        const id = r.query.get('serviceId');
        if (r.method === 'POST' && id) {
          const labels = (r.body as { labels: Record<string, string> }).labels;
          run.addService(`${DR}${id}`, { labels, uri: svc.url, reconciling: false });
        }
      });
      const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), { estate: estate(deploy) });
      expect((envelope.items as Item[])[0]?.status).toBe('ok');
      expect((envelope.resources as { state: string }[]).map((r) => r.state)).toEqual(['deleted']);
    });
  });

  it("deploys the image serving most traffic when the latest revision's share has no revision name", async () => {
    // 90 % follows the latest ready revision (a LATEST entry names none), 10 % stays on an old canary.
    run.services.get(PROD)!.traffic = [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 90 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'frontend-00042', percent: 10 },
    ];
    run.revisions.set('frontend-00043', {
      name: `${PROD}/revisions/frontend-00043`,
      containers: [{ image: 'gcr.io/p1/frontend@sha256:latest' }],
    });
    const cloudRun = await createCloudRunDrill(
      { url: run.server.url, credentials: 'none' },
      5_000,
      AbortSignal.timeout(5_000),
      10,
    );
    expect(await cloudRun.currentImage('p1', 'us-central1', 'frontend')).toBe('gcr.io/p1/frontend@sha256:latest');
  });

  it('clones at a point in time, labels the clone with the drill id and its expiry, and takes the RPO from that time', async () => {
    const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), {
      estate: estate([{ step: 'sql.clone', database: 'main', pointInTime: '45m', pollInterval: '10ms' }]),
    });
    const id = envelope.drill as string;
    expect(envelope.outcome).toBe('ok');
    const target = `opsfn-drill-${id}-clone`;
    const clone = sql.server.find('POST', /\/instances\/db1\/clone$/)[0]?.body as {
      cloneContext: { destinationInstanceName: string; pointInTime: string };
    };
    expect(clone.cloneContext.destinationInstanceName).toBe(target);
    expect(Math.abs(Date.parse(clone.cloneContext.pointInTime) - (Date.now() - 45 * 60_000))).toBeLessThan(60_000);
    const patch = sql.server.find('PATCH', new RegExp(`/instances/${target}$`))[0]?.body as {
      settings: { userLabels: Record<string, string> };
    };
    expect(patch.settings.userLabels['opsfn-drill']).toBe(id);
    const expires = Number(patch.settings.userLabels['opsfn-expires']) * 1000;
    expect(Math.abs(expires - (Date.now() + 12 * 3_600_000))).toBeLessThan(60_000);
    expect(envelope.rpo as number).toBeGreaterThanOrEqual(2695);
    expect(envelope.rpo as number).toBeLessThan(2800);
    expect([...sql.instances.keys()]).toEqual(['p1/db1']);
  });

  it('fails the drill when the clone operation fails and still cleans up', async () => {
    sql.failNextOperation = { type: 'CLONE', message: 'PITR is not enabled' };
    const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), {
      estate: estate(FULL),
    });
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toContain('clone into');
    expect(envelope.summary).toContain('PITR is not enabled');
    expect((envelope.items as { status: string }[]).map((i) => i.status)).toEqual([
      'fail',
      'skipped',
      'skipped',
      'skipped',
      'ok',
    ]);
    expect(run.server.find('POST', /services$/)).toEqual([]);
    expect([...sql.instances.keys()]).toEqual(['p1/db1']);
  });

  describe('checking the data of a Cloud SQL copy through connect', () => {
    let prod: ProductionDb;
    beforeEach(async () => {
      // The clone's data: a real PostgreSQL database the fake's copies are reachable at (127.0.0.1).
      prod = await productionDb('postgres', 1_200);
      sql.addInstance('p1', {
        name: 'pg1',
        databaseVersion: 'POSTGRES_16',
        region: 'us-central1',
        settings: { tier: 'db-custom-2-7680', ipConfiguration: { privateNetwork: 'projects/p1/global/networks/prod' } },
        // Production's own address: nothing may ever connect to it.
        ipAddresses: [{ type: 'PRIVATE', ipAddress: '10.255.255.1' }],
      });
    });
    afterEach(() => prod.drop());

    const pgEstate = (steps: unknown[], extra: Record<string, unknown> = {}) =>
      testEstate({
        endpoints: { sqladmin: { url: sql.server.url, credentials: 'none' } },
        databases: {
          pg: { kind: 'cloud-sql', project: 'p1', instance: 'pg1' },
          main: { kind: 'cloud-sql', project: 'p1', instance: 'db1' },
          'pg-direct': { kind: 'postgres', url: prod.url },
        },
        drills: { 'quarterly-dr': { targets: { rto: '60m', rpo: '1h' }, steps, ...extra } } as never,
      });
    const connect = () => ({ postgres: `postgres://postgres@prod-db.invalid:5432/${prod.name}` });

    it('asserts on the clone at its private address and reads the RPO from its heartbeat row', async () => {
      const state = new MemoryStateStore();
      const config = pgEstate(
        [
          { step: 'sql.clone', database: 'pg', pollInterval: '10ms', connect: connect() },
          {
            step: 'db.assert',
            assertions: [{ name: 'conversations', sql: 'SELECT count(*) FROM conversations', min: 1000 }],
          },
        ],
        { heartbeat: { database: 'pg-direct', table: 'opsfn_heartbeat' } },
      );
      // The heartbeat job last ran 20 minutes before the drill: the clone's newest data is that old.
      const { envelope: beat } = await runForTest(drill, cli({ task: 'heartbeat' }), {
        estate: config,
        state,
        now: () => new Date(Date.now() - 20 * 60_000),
      });
      expect(beat.outcome).toBe('ok');
      const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), {
        estate: config,
        state,
      });
      const id = envelope.drill as string;
      expect(envelope.summary).toContain('passed');
      expect(envelope.outcome).toBe('ok');
      const items = envelope.items as { name: string; status: string; detail: string }[];
      expect(items.map((i) => [i.name, i.status])).toEqual([
        ['clone', 'ok'],
        ['assert', 'ok'],
        ['cleanup', 'ok'],
      ]);
      expect(items[0]?.detail).toContain(`cloned into opsfn-drill-${id}-clone; reachable at PRIVATE 127.0.0.1`);
      expect(items[0]?.detail).toContain('newest heartbeat');
      expect(items[1]?.detail).toContain(`1/1 assertions passed on ${prod.name}: ✓ conversations: "1200"`);
      expect(envelope.rpo as number).toBeGreaterThanOrEqual(1195);
      expect(envelope.rpo as number).toBeLessThan(1300);
      expect([...sql.instances.keys()].sort()).toEqual(['p1/db1', 'p1/pg1']);
    });

    it.each([
      [
        'a copy without an address of connect.ipType',
        () => {
          sql.addressesFor = () => [{ type: 'PRIMARY', ipAddress: '127.0.0.1' }];
        },
        'pg',
        'has no PRIVATE address to connect to (it has: PRIMARY 127.0.0.1); set connect.ipType',
      ],
      [
        'a copy of another engine than connect names',
        () => {
          const db1 = sql.instances.get('p1/db1');
          if (db1) db1.settings.ipConfiguration = { privateNetwork: 'projects/p1/global/networks/prod' };
        },
        'main',
        'connect names postgres',
      ],
    ])('fails on %s, asserts nothing, and still deletes the copy', async (_case, arrange, database, why) => {
      arrange();
      const config = pgEstate([
        { step: 'sql.clone', database, pollInterval: '10ms', connect: connect() },
        { step: 'db.assert', assertions: [{ sql: 'SELECT count(*) FROM conversations', min: 1 }] },
      ]);
      const { envelope } = await runForTest(drill, cli({ plan: 'quarterly-dr' }), {
        estate: config,
      });
      expect(envelope.outcome).toBe('fail');
      const items = envelope.items as { status: string; detail: string }[];
      expect(items.map((i) => i.status)).toEqual(['fail', 'skipped', 'ok']);
      expect(items[0]?.detail).toContain(why);
      expect([...sql.instances.keys()].sort()).toEqual(['p1/db1', 'p1/pg1']);
    });
  });
});
