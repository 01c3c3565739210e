import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { runForTest } from '../../../shared/testing/index.js';
import { backupRun, type FakeSqlAdmin, startFakeSqlAdmin } from '../../fakes/sqladmin.js';
import { testEstate } from '../../support/estate.js';

const NOW = new Date('2026-11-22T06:00:00Z');
const HOUR = 3_600_000;
const daily = (count: number, status = 'SUCCESSFUL') =>
  Array.from({ length: count }, (_, i) => backupRun(1000 + i, status, new Date(NOW.getTime() - (i * 24 + 3) * HOUR)));
const manual = (payload: Record<string, unknown> = {}): ManualTrigger => ({
  kind: 'manual',
  id: `m-${Math.random()}`,
  payload,
});

describe('backupVerify on Cloud SQL', () => {
  let fake: FakeSqlAdmin;
  beforeAll(async () => {
    fake = await startFakeSqlAdmin({ pageSize: 3 });
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.instances.clear();
    fake.server.requests.length = 0;
  });

  async function verify(backups: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const config = testEstate({
      endpoints: { sqladmin: { url: fake.url, credentials: 'none' } },
      backups: backups as never,
      ...extra,
    });
    const { envelope } = await runForTest(backupVerify, manual(), {
      estate: config,
      now: () => NOW,
    });
    return envelope.items as BackupResult[];
  }
  const statuses = (r: BackupResult | undefined) => Object.fromEntries(r?.checks.map((c) => [c.name, c.status]) ?? []);

  it('passes a MySQL instance with fresh daily backups and binary logging, paging through the list', async () => {
    fake.instances.set('p1/db1', { databaseVersion: 'MYSQL_8_0', binaryLogEnabled: true, runs: daily(8) });
    const [result] = await verify({ db: { kind: 'cloud-sql', project: 'p1', instance: 'db1', minCount: 7 } });
    expect(statuses(result)).toEqual({ status: 'ok', freshness: 'ok', retention: 'ok', pitr: 'ok' });
    expect(result?.status).toBe('ok');
    const lists = fake.server.find('GET', /backupRuns$/);
    expect(lists.length).toBe(3);
    expect(lists[1]?.query.get('pageToken')).toBe('3');
  });

  it('reports failed and skipped runs since the last success, staleness and missing PITR', async () => {
    const runs = [
      backupRun(9, 'FAILED', new Date(NOW.getTime() - 3 * HOUR), {
        error: { kind: 'sql#operationError', code: 'ERR', message: 'disk full' },
      }),
      backupRun(8, 'SKIPPED', new Date(NOW.getTime() - 27 * HOUR)),
      ...daily(3).map((r, i) => ({
        ...r,
        enqueuedTime: new Date(NOW.getTime() - (51 + i * 24) * HOUR).toISOString(),
        endTime: new Date(NOW.getTime() - (50 + i * 24) * HOUR).toISOString(),
      })),
    ];
    fake.instances.set('p1/pg', { databaseVersion: 'POSTGRES_15', pointInTimeRecoveryEnabled: false, runs });
    const [result] = await verify(
      { pg: { kind: 'cloud-sql', database: 'main', minCount: 7 } },
      { databases: { main: { kind: 'cloud-sql', project: 'p1', instance: 'pg' } } },
    );
    expect(statuses(result)).toEqual({ status: 'fail', freshness: 'fail', retention: 'fail', pitr: 'fail' });
    const status = result?.checks.find((c) => c.name === 'status');
    expect(status?.detail).toContain('FAILED');
    expect(status?.detail).toContain('disk full');
    expect(status?.detail).toContain('SKIPPED');
    expect(result?.checks.find((c) => c.name === 'freshness')?.detail).toMatch(/50\.0h ago.*over the RPO of 26h/);
  });

  it('warns on an overdue run since the last success and fails an instance with automated backups disabled', async () => {
    const overdue = backupRun(2000, 'OVERDUE', new Date(NOW.getTime() - HOUR));
    fake.instances.set('p1/late', {
      databaseVersion: 'MYSQL_8_0',
      binaryLogEnabled: true,
      runs: [overdue, ...daily(8)],
    });
    fake.instances.set('p1/off', {
      databaseVersion: 'MYSQL_8_0',
      binaryLogEnabled: true,
      backupEnabled: false,
      runs: daily(8),
    });
    const [late, off] = await verify({
      late: { kind: 'cloud-sql', project: 'p1', instance: 'late' },
      off: { kind: 'cloud-sql', project: 'p1', instance: 'off' },
    });
    expect(statuses(late)).toEqual({ status: 'warn', freshness: 'ok', retention: 'ok', pitr: 'ok' });
    expect(late?.status).toBe('warn');
    expect(late?.checks[0]?.detail).toMatch(/^1 run\(s\) since the last success: OVERDUE /);
    expect(off?.checks[0]).toMatchObject({ status: 'fail', detail: 'automated backups are disabled on the instance' });
    expect(off?.status).toBe('fail');
  });

  it('fails the status check with the API error when the instance is unknown', async () => {
    const [result] = await verify({ db: { kind: 'cloud-sql', project: 'p1', instance: 'nope' } });
    expect(result?.status).toBe('fail');
    expect(result?.checks[0]).toMatchObject({ name: 'status', status: 'fail' });
    expect(result?.checks[0]?.detail).toMatch(
      /p1\/nope: SQL Admin .* failed: HTTP 403: .*: no such instance, or no permission to read it/,
    );
  });

  it('fails with a clear detail when the API hangs, within the timeout', async () => {
    fake.instances.set('p1/db1', { databaseVersion: 'MYSQL_8_0', binaryLogEnabled: true, runs: daily(7) });
    fake.server.failNext('GET', /backupRuns$/, { hang: true });
    const started = Date.now();
    const [result] = await verify({ db: { kind: 'cloud-sql', project: 'p1', instance: 'db1', timeout: '1s' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result?.checks[0]).toMatchObject({ name: 'status', status: 'fail' });
    expect(result?.checks[0]?.detail).toMatch(/backupRuns.list failed/);
  });

  it('refuses at config load a backup naming a databases entry that is missing', () => {
    expect(() => testEstate({ backups: { db: { kind: 'cloud-sql', database: 'ghost' } } as never })).toThrow(
      /backups\.db\.database: unknown database "ghost"/,
    );
  });
});
