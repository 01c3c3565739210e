import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCloudFakes } from './cloud-harness.js';
import { type ProductionDb, productionDb } from './fixtures.js';

const VPC = 'projects/p1/global/networks/prod';
const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();

type Item = { name: string; status: string; detail: string };
type Resource = { name: string; state: string };

const cloud = useCloudFakes();
const addSource = cloud.addInstance;
const start = (steps: unknown[]) => cloud.invoke({ plan: 'dr' }, steps);

describe('drDrill Cloud SQL steps against the API as it behaves', () => {
  describe('sql.restoreBackup', () => {
    let prod: ProductionDb;
    beforeEach(async () => {
      prod = await productionDb('postgres', 10);
      // Newest first, two pages of failures before the latest success.
      cloud.sql().backupRuns.set('p1/pg1', [
        { id: '5', status: 'FAILED', enqueuedTime: ago(5) },
        { id: '4', status: 'FAILED', enqueuedTime: ago(10) },
        { id: '3', status: 'SKIPPED', enqueuedTime: ago(15) },
        { id: '2', status: 'SUCCESSFUL', enqueuedTime: ago(30), startTime: ago(30), endTime: ago(26) },
      ]);
    });
    afterEach(() => prod.drop());
    const step = (extra: Record<string, unknown> = {}) => ({
      step: 'sql.restoreBackup',
      database: 'pg',
      pollInterval: '10ms',
      connect: { postgres: `postgres://postgres@prod-db.invalid:5432/${prod.name}` },
      ...extra,
    });

    it("creates the scratch instance on the source's VPC, so it has the PRIVATE address connect needs", async () => {
      addSource('pg1', 'POSTGRES_16', { ipConfiguration: { privateNetwork: VPC, ipv4Enabled: false } });
      const envelope = await start([step()]);
      const items = envelope.items as Item[];
      expect(items[0]?.status).toBe('ok');
      expect(items[0]?.detail).toContain('backup run 2 of p1/pg1 restored');
      expect(items[0]?.detail).toContain('reachable at PRIVATE 127.0.0.1');
      const insert = cloud.sql().server.find('POST', /^\/v1\/projects\/p1\/instances$/)[0]?.body;
      expect(insert).toMatchObject({ settings: { ipConfiguration: { privateNetwork: VPC, ipv4Enabled: false } } });
      expect(cloud.sql().server.find('GET', /\/backupRuns$/).length).toBeGreaterThan(1);
    });

    it('refuses a connect URL whose ?host= would reach past the copy, e.g. production, and checks nothing there', async () => {
      addSource('pg1', 'POSTGRES_16', { ipConfiguration: { privateNetwork: VPC, ipv4Enabled: false } });
      // The copy answers nowhere (TEST-NET-1): a check that passed would have read another server.
      cloud.sql().addressesFor = () => [{ type: 'PRIVATE', ipAddress: '192.0.2.10' }];
      const envelope = await start([
        step({ connect: { postgres: `postgres://postgres@prod-db.invalid:5432/${prod.name}?host=127.0.0.1` } }),
        { step: 'db.assert', assertions: [{ name: 'rows', sql: 'SELECT count(*) FROM conversations', min: 1 }] },
      ]);
      expect(envelope.outcome).toBe('fail');
      expect(JSON.stringify(envelope.items)).toContain('\\"host\\" parameter would route past the copy');
      expect((envelope.items as Item[]).some((i) => i.name === 'db.assert' && i.status === 'ok')).toBe(false);
    });

    it('finds the scratch instance whose create answer was lost, and restores into it', async () => {
      addSource('pg1', 'POSTGRES_16', { ipConfiguration: { privateNetwork: VPC, ipv4Enabled: false } });
      cloud
        .sql()
        .server.failNext('POST', /^\/v1\/projects\/p1\/instances$/, { hang: true, handled: true, reset: true });
      cloud.sql().server.listeners.push((r) => {
        if (r.method === 'GET' && /\/instances\/opsfn-drill-[^/]+$/.test(r.path)) cloud.sql().finishAll();
      });
      const envelope = await start([step()]);
      const items = envelope.items as Item[];
      expect(items[0]?.status).toBe('ok');
      expect(items[0]?.detail).toContain('backup run 2 of p1/pg1 restored');
      expect(cloud.sql().server.find('POST', /^\/v1\/projects\/p1\/instances$/)).toHaveLength(1);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('takes a configured network over the source one', async () => {
      addSource('pg1', 'POSTGRES_16');
      const envelope = await start([step({ network: 'projects/p1/global/networks/dr' })]);
      expect((envelope.items as Item[])[0]?.status).toBe('ok');
      expect(cloud.sql().server.find('POST', /^\/v1\/projects\/p1\/instances$/)[0]?.body).toMatchObject({
        settings: { ipConfiguration: { privateNetwork: 'projects/p1/global/networks/dr' } },
      });
    });

    it('refuses before creating anything when no network would give the copy a PRIVATE address', async () => {
      addSource('pg1', 'POSTGRES_16');
      const envelope = await start([step()]);
      expect(envelope.outcome).toBe('fail');
      expect((envelope.items as Item[])[0]?.detail).toContain('is on no VPC, so a copy would have no PRIVATE address');
      expect(cloud.sql().server.find('POST', /instances/)).toEqual([]);
    });
  });

  describe('sql.clone', () => {
    it('refuses a point in time the source cannot recover to, and creates nothing', async () => {
      addSource('pg1', 'POSTGRES_16');
      const off = await start([{ step: 'sql.clone', database: 'pg', pointInTime: '15m', pollInterval: '10ms' }]);
      expect((off.items as Item[])[0]?.detail).toBe(
        'not cloned: source pg1 has no point-in-time recovery enabled, so it cannot be cloned to a point in time',
      );
      cloud.sql().instances.get('p1/pg1')!.settings.backupConfiguration = {
        pointInTimeRecoveryEnabled: true,
        transactionLogRetentionDays: 1,
      };
      const far = await start([{ step: 'sql.clone', database: 'pg', pointInTime: '2d', pollInterval: '10ms' }]);
      expect((far.items as Item[])[0]?.detail).toContain('keeps 1 day(s) of logs, fewer than pointInTime reaches back');
      expect(cloud.sql().server.find('POST', /\/clone$/)).toEqual([]);
    });

    it("replaces production's labels on the clone with the drill's own", async () => {
      addSource('pg1', 'POSTGRES_16', { userLabels: { env: 'prod', team: 'core' } });
      let labelsWhenDeleted: Record<string, string> | undefined;
      cloud.sql().server.listeners.push((r) => {
        const name = /\/instances\/([^/]+)$/.exec(r.path)?.[1];
        if (r.method === 'DELETE') labelsWhenDeleted = cloud.sql().instances.get(`p1/${name}`)?.settings.userLabels;
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      const id = envelope.drill as string;
      expect((envelope.items as Item[])[0]?.status).toBe('ok');
      const patch = cloud.sql().server.find('PATCH', /instances\/opsfn-drill-/)[0]?.body as {
        settings: { userLabels: object };
      };
      expect(patch.settings.userLabels).toMatchObject({ env: null, team: null, 'opsfn-drill': id });
      expect(Object.keys(labelsWhenDeleted ?? {}).sort()).toEqual(['opsfn-drill', 'opsfn-expires']);
      expect(cloud.sql().instances.get('p1/pg1')?.settings.userLabels).toEqual({ env: 'prod', team: 'core' });
    });
  });

  describe('a clone whose answer was lost', () => {
    it('finds the clone the API took, waits for it, and labels, checks and deletes it like any other', async () => {
      addSource('pg1', 'POSTGRES_16', { userLabels: { env: 'prod' } });
      // The API takes the clone and the connection drops before its answer: the call times out.
      cloud.sql().server.failNext('POST', /\/clone$/, { hang: true, handled: true });
      // Time passes once the drill looks for the copy: the clone finishes on its own, as the real one does.
      cloud.sql().server.listeners.push((r) => {
        if (r.method === 'GET' && /\/instances\/opsfn-drill-/.test(r.path)) cloud.sql().finishAll();
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms', timeout: '1s' }]);
      const [clone] = envelope.items as Item[];
      expect(clone?.status).toBe('ok');
      expect(clone?.detail).toContain('p1/pg1 cloned into opsfn-drill-');
      expect(cloud.sql().server.find('POST', /\/clone$/)).toHaveLength(1);
      expect(cloud.sql().server.find('PATCH', /instances\/opsfn-drill-/)).toHaveLength(1);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('takes a 409 for its own name as its earlier attempt, whose record was lost to a crash, and goes on', async () => {
      addSource('pg1', 'POSTGRES_16');
      // An earlier attempt of this very step made the copy, and the process died before it kept the operation.
      cloud.sql().server.listeners.push((r) => {
        const target = (r.body as { cloneContext?: { destinationInstanceName?: string } } | undefined)?.cloneContext
          ?.destinationInstanceName;
        if (r.method === 'POST' && target) {
          cloud.sql().addInstance('p1', {
            ...structuredClone(cloud.sql().instances.get('p1/pg1')!),
            name: target,
            state: 'PENDING_CREATE',
          });
        }
        const looked = /\/instances\/(opsfn-drill-[^/]+)$/.exec(r.path)?.[1];
        const copy = r.method === 'GET' && looked ? cloud.sql().instances.get(`p1/${looked}`) : undefined;
        if (copy) copy.state = 'RUNNABLE';
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect((envelope.items as Item[])[0]?.status).toBe('ok');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('fails the step on a clone that failed, and deletes the FAILED instance it left', async () => {
      addSource('pg1', 'POSTGRES_16');
      cloud.sql().failNextOperation = { type: 'CLONE', message: 'out of capacity in the region' };
      cloud.sql().server.failNext('POST', /\/clone$/, { hang: true, handled: true });
      cloud.sql().server.listeners.push((r) => {
        if (r.method === 'GET' && /\/instances\/opsfn-drill-/.test(r.path)) cloud.sql().finishAll();
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms', timeout: '1s' }]);
      const [clone] = envelope.items as Item[];
      expect(clone?.status).toBe('fail');
      expect(clone?.detail).toMatch(/opsfn-drill-\w+-clone is FAILED/);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('waits for a copy still being created when its step failed, before deleting it', async () => {
      addSource('pg1', 'POSTGRES_16');
      cloud.sql().server.failNext('POST', /\/clone$/, { hang: true, handled: true, reset: true });
      // The first look at the copy fails, so the step fails while the clone goes on; it finishes on the fifth look.
      const unavailable = { status: 503, body: { error: { code: 503, message: 'backend unavailable' } } };
      cloud.sql().server.failNext('GET', /\/instances\/opsfn-drill-/, unavailable);
      let looks = 0;
      cloud.sql().server.listeners.push((r) => {
        if (r.method === 'GET' && /\/instances\/opsfn-drill-/.test(r.path) && ++looks === 5) cloud.sql().finishAll();
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect((envelope.items as Item[])[0]?.status).toBe('fail');
      expect(cloud.sql().server.find('DELETE', /instances\/opsfn-drill-/)).toHaveLength(1);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('fails at once on a 409 that is an answer: the source is busy with an operation of its own', async () => {
      addSource('pg1', 'POSTGRES_16');
      cloud.sql().busy('p1', 'pg1');
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      const [clone] = envelope.items as Item[];
      expect(clone?.status).toBe('fail');
      expect(clone?.detail).toContain('another operation was already in progress');
      expect(clone?.detail).not.toContain('did not appear');
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('keeps cleanup waiting for a copy whose create answer was lost until it shows, then deletes it', async () => {
      addSource('pg1', 'POSTGRES_16');
      // The request is cut off unanswered; the clone it started shows only on the third look, done on the fifth.
      cloud.sql().server.failNext('POST', /\/clone$/, { hang: true, reset: true });
      const unavailable = { status: 503, body: { error: { code: 503, message: 'backend unavailable' } } };
      cloud.sql().server.failNext('GET', /\/instances\/opsfn-drill-/, unavailable);
      let looks = 0;
      cloud.sql().server.listeners.push((r) => {
        const name = /\/instances\/(opsfn-drill-[^/]+)$/.exec(r.path)?.[1];
        if (r.method !== 'GET' || !name) return;
        looks++;
        if (looks === 3) {
          cloud.sql().addInstance('p1', {
            ...structuredClone(cloud.sql().instances.get('p1/pg1')!),
            name,
            state: 'PENDING_CREATE',
          });
        }
        const copy = cloud.sql().instances.get(`p1/${name}`);
        if (looks >= 5 && copy) copy.state = 'RUNNABLE';
      });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect((envelope.items as Item[])[0]?.status).toBe('fail');
      expect(cloud.sql().server.find('DELETE', /instances\/opsfn-drill-/)).toHaveLength(1);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('fails a clone still running past the step timeout rather than keep the drill waiting on it', async () => {
      addSource('pg1', 'POSTGRES_16');
      // An operation that does not end while the drill watches.
      cloud.sql().operationPolls = 1_000_000;
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '50ms', timeout: '1s' }]);
      const [clone] = envelope.items as Item[];
      expect(clone?.status).toBe('fail');
      expect(clone?.detail).toMatch(/was still being created 1s after the step started \(its timeout\)/);
      // The delete is refused while the clone runs: left for a person, named, and the drill says so.
      expect(envelope.outcome).toBe('fail');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['leaked']);
    });

    it('fails the step when no copy appears, and leaves nothing behind', async () => {
      addSource('pg1', 'POSTGRES_16');
      // The request never reached the API: nothing was taken, nothing answered.
      cloud.sql().server.failNext('POST', /\/clone$/, { hang: true });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms', timeout: '1s' }]);
      const [clone] = envelope.items as Item[];
      expect(clone?.status).toBe('fail');
      expect(clone?.detail).toMatch(/answer was lost.*did not appear/);
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });
  });

  describe('deleting what the drill made', () => {
    it('turns off the deletion protection a clone takes from production, so cleanup deletes it', async () => {
      addSource('pg1', 'POSTGRES_16', { deletionProtectionEnabled: true });
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect(envelope.outcome).toBe('ok');
      const patch = cloud.sql().server.find('PATCH', /instances\/opsfn-drill-/)[0]?.body as { settings: object };
      expect(patch.settings).toMatchObject({ deletionProtectionEnabled: false });
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
      expect(cloud.sql().instances.get('p1/pg1')?.settings.deletionProtectionEnabled).toBe(true);
    });

    it('waits for a clone still running when its step failed before deleting the copy', async () => {
      addSource('pg1', 'POSTGRES_16');
      cloud.sql().operationPolls = 4;
      // One read of the clone's operation fails: the step fails while the clone goes on.
      const unavailable = { status: 503, body: { error: { code: 503, message: 'backend unavailable' } } };
      cloud.sql().server.failNext('GET', /\/operations\//, unavailable);
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect(envelope.outcome).toBe('fail');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      // Time passes: a clone still running would now exist, with production's labels, out of the janitor's sight.
      cloud.sql().finishAll();
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('unprotects a protected copy it never got to claim before deleting it', async () => {
      addSource('pg1', 'POSTGRES_16', { deletionProtectionEnabled: true });
      const unavailable = { status: 503, body: { error: { code: 503, message: 'backend unavailable' } } };
      cloud.sql().server.failNext('PATCH', /\/instances\/opsfn-drill-/, unavailable);
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect(envelope.outcome).toBe('fail');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
      expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
    });

    it('counts a 403 on its own instance as gone once the listing no longer has it', async () => {
      addSource('pg1', 'POSTGRES_16');
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect(envelope.outcome).toBe('ok');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['deleted']);
    });

    it('reports a 403 on an instance still listed as a leak, after one delete and no loop', async () => {
      addSource('pg1', 'POSTGRES_16');
      const denied = { status: 403, body: { error: { code: 403, message: 'The client is not authorized.' } } };
      cloud.sql().server.failNext('DELETE', /\/instances\/opsfn-drill-/, denied, 10);
      const envelope = await start([{ step: 'sql.clone', database: 'pg', pollInterval: '10ms' }]);
      expect(envelope.outcome).toBe('fail');
      expect((envelope.resources as Resource[]).map((r) => r.state)).toEqual(['leaked']);
      expect(cloud.sql().server.find('DELETE', /instances/)).toHaveLength(1);
      expect([...cloud.sql().instances.keys()]).toHaveLength(2);
    });
  });
});
