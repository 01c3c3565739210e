import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectStoreBackupSchema } from '../../../functions/backup-verify/config.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import { sampleDump } from '../../../functions/backup-verify/self-test/sample-dump.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { verifyBackup } from '../../../functions/backup-verify/verify-backup.js';
import type { ObjectStore } from '../../../shared/adapters/storage/object-store.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { mysqlDump } from '../../shared/adapters/databases/seed.js';
import { testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { DAY, detail, gzDump, HOUR, pgDumpall, sha256, stamp, statuses, tarArchive, tempDir } from './fixtures.js';

const manual = (payload: Record<string, unknown> = {}): ManualTrigger => ({
  kind: 'manual',
  id: `m-${Math.random()}`,
  payload,
});

describe('backupVerify on file:// dumps', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.remove());

  async function verify(
    backups: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    state = new MemoryStateStore(),
  ) {
    const notifier = recordingNotifier();
    const config = testEstate({ backups: backups as never, ...extra });
    const lines: string[] = [];
    const { envelope } = await runForTest(backupVerify, manual(), {
      estate: config,
      state,
      notifier,
      logSink: (l) => lines.push(l),
    });
    const audits = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.decision === 'decided');
    return { envelope, items: envelope.items as BackupResult[], notifier, audits };
  }

  it('passes the newest of a week of daily dumps on every check', async () => {
    const now = Date.now();
    let newest: Buffer = Buffer.alloc(0);
    for (let day = 0; day < 8; day++) {
      const body = await gzDump(2_000 + day);
      const name = `db_${stamp(now - day * DAY - HOUR)}.sql.gz`;
      await tmp.put(name, body, day * DAY + HOUR);
      if (day === 0) {
        newest = body;
        await tmp.put(`${name}.sha256`, `${sha256(body)}  ${name}\n`);
      }
    }
    const { items, envelope, notifier } = await verify({
      pg: { kind: 'object-store', url: `file://${tmp.dir}/`, pattern: 'db_*.sql.gz', retentionDays: 7 },
    });
    const [result] = items;
    expect(statuses(result)).toEqual({
      freshness: 'ok',
      size: 'ok',
      integrity: 'ok',
      checksum: 'ok',
      completeness: 'ok',
      retention: 'ok',
    });
    expect(result?.object).toMatchObject({ bytes: newest.length });
    expect(result?.object?.ageHours).toBeCloseTo(1, 0);
    expect(detail(result, 'checksum')).toContain('sidecar .sha256');
    expect(envelope.outcome).toBe('ok');
    expect(notifier.sent).toHaveLength(0);
  });

  it('flags a size drop, expired dumps and a missing day', async () => {
    const now = Date.now();
    const big = await gzDump(20_000);
    for (const day of [1, 2, 4, 5, 12]) await tmp.put(`db_${stamp(now - day * DAY)}.sql.gz`, big, day * DAY);
    await tmp.put(`db_${stamp(now - HOUR)}.sql.gz`, await gzDump(100), HOUR);
    const { items } = await verify({
      pg: { kind: 'object-store', url: `file://${tmp.dir}/`, pattern: '*.sql.gz', retentionDays: 7 },
    });
    const [result] = items;
    expect(statuses(result)).toMatchObject({ size: 'fail', retention: 'warn', integrity: 'ok' });
    expect(detail(result, 'size')).toMatch(/% of the median .* of the previous 5, below 50 %/);
    expect(detail(result, 'retention')).toMatch(/1 backup\(s\) older than 7 days/);
    expect(detail(result, 'retention')).toContain(new Date(now - 3 * DAY).toISOString().slice(0, 10));
    expect(result?.status).toBe('fail');
  });

  it('reads tar archives through and fails one cut inside an entry', async () => {
    await tmp.put('ok/config.tar.gz', await tarArchive(true));
    const plain = await tarArchive(false);
    await tmp.put('cut/config.tar', plain.subarray(0, 1024 + 300));
    const { items } = await verify({
      ok: { kind: 'object-store', url: `file://${tmp.dir}/ok/`, pattern: '*.tar.gz' },
      cut: { kind: 'object-store', url: `file://${tmp.dir}/cut/`, pattern: '*.tar' },
    });
    expect(statuses(items[0])).toMatchObject({ integrity: 'ok', completeness: 'skipped' });
    expect(detail(items[0], 'integrity')).toMatch(/tar archive of \d+ entries read to its end/);
    expect(statuses(items[1])).toMatchObject({ integrity: 'fail' });
    expect(detail(items[1], 'integrity')).toMatch(/archive ends inside entry/);
  });

  it('fails a .gz that is not gzip, a missing directory and a pattern with no match, each with a clear detail', async () => {
    await tmp.put('plain/db.sql.gz', 'SELECT 1;\n');
    const { items, envelope, audits } = await verify({
      notgz: { kind: 'object-store', url: `file://${tmp.dir}/plain/`, pattern: '*.gz' },
      missing: { kind: 'object-store', url: `file://${tmp.dir}/nope/` },
      nomatch: { kind: 'object-store', url: `file://${tmp.dir}/plain/`, pattern: '*.dump' },
    });
    expect(detail(items[0], 'integrity')).toBe('not in gzip format (no gzip magic bytes)');
    expect(items[1]?.checks[0]).toMatchObject({ name: 'access', status: 'fail' });
    expect(detail(items[1], 'access')).toContain(`${tmp.dir}/nope`);
    expect(detail(items[2], 'freshness')).toMatch(/no object matching "\*\.dump"/);
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/3 backup\(s\): 0 ok, 0 warn, 3 fail/);
    // Backups run concurrently, so their audit lines come in any order.
    expect(audits.map((a) => `${a.target} ${a.outcome}`).sort()).toEqual([
      'backup:missing fail',
      'backup:nomatch fail',
      'backup:notgz fail',
    ]);
    expect(audits.find((a) => a.target === 'backup:notgz')?.reason).toBe(
      'integrity fail: not in gzip format (no gzip magic bytes)',
    );
  });

  it('accepts a real mysqldump trailer and fails a dump cut before it', async () => {
    const dump = await mysqlDump(50);
    await tmp.put('my/chat.sql.gz', dump);
    await tmp.put('cut/chat.sql.gz', await gzDump(500, { withoutTrailer: true }));
    const { items } = await verify({
      my: { kind: 'object-store', url: `file://${tmp.dir}/my/` },
      cut: { kind: 'object-store', url: `file://${tmp.dir}/cut/` },
    });
    expect(detail(items[0], 'completeness')).toMatch(/mysqldump trailer present \(-- Dump completed/);
    expect(statuses(items[1])).toMatchObject({ integrity: 'ok', completeness: 'fail' });
  });

  it('fails a cut pg_dumpall, warns on a dump it cannot judge unless told, and proves nothing of a file it does not decode', async () => {
    const all = await pgDumpall();
    await tmp.put('all/cluster.sql.gz', gzipSync(all.subarray(0, all.indexOf('COPY public.') + 2_000)));
    await tmp.put('csv/orders.csv.gz', gzipSync('id,total\n'.concat('1,9.99\n'.repeat(500))));
    await tmp.put('plain/app.sql', await buffer(sampleDump({ rows: 50 })));
    const { items, envelope, notifier } = await verify({
      all: { kind: 'object-store', url: `file://${tmp.dir}/all/` },
      csv: { kind: 'object-store', url: `file://${tmp.dir}/csv/` },
      accepted: { kind: 'object-store', url: `file://${tmp.dir}/csv/`, completeness: false },
      plain: { kind: 'object-store', url: `file://${tmp.dir}/plain/` },
    });
    expect(statuses(items[0])).toMatchObject({ integrity: 'ok', checksum: 'skipped', completeness: 'fail' });
    expect(items[0]?.status).toBe('fail');
    expect(statuses(items[1])).toMatchObject({ integrity: 'ok', completeness: 'warn' });
    expect(detail(items[1], 'completeness')).toMatch(/completeness judges plain pg_dump, pg_dumpall and mysqldump/);
    expect(items[1]?.status).toBe('warn');
    expect(statuses(items[2])).toMatchObject({ completeness: 'skipped' });
    expect(items[2]?.status).toBe('ok');
    expect(statuses(items[3])).toMatchObject({ integrity: 'skipped', completeness: 'ok' });
    expect(detail(items[3], 'integrity')).toMatch(/^nothing to decode: read \d+ bytes/);
    expect(items[3]?.status).toBe('ok');
    expect(envelope.summary).toBe(
      '4 backup(s): 2 ok, 1 warn, 1 fail; all fail (completeness); csv warn (completeness)',
    );
    expect(notifier.sent.map((n) => `${n.severity} ${n.title}`).sort()).toEqual([
      'critical Backup all: FAIL',
      'warning Backup csv: WARN',
    ]);
  });

  it('fails an empty gzip, what `pg_dump | gzip` writes when pg_dump fails at once', async () => {
    await tmp.put(`pg/db_${stamp(Date.now())}.sql.gz`, gzipSync(Buffer.alloc(0)));
    const { items, envelope } = await verify({ pg: { kind: 'object-store', url: `file://${tmp.dir}/pg/` } });
    expect(statuses(items[0])).toMatchObject({ integrity: 'ok', completeness: 'fail' });
    expect(detail(items[0], 'completeness')).toMatch(/holds no data \(it decodes to 0 bytes\)/);
    expect(envelope.outcome).toBe('fail');
  });

  it('notifies once per backup and day and writes the report', async () => {
    await tmp.put('dumps/db.sql.gz', await gzDump(100), 3 * DAY);
    const state = new MemoryStateStore();
    const backups = { stale: { kind: 'object-store', url: `file://${tmp.dir}/dumps/` } };
    const reports = { url: `file://${tmp.dir}/reports/` };
    const first = await verify(backups, { reports }, state);
    const second = await verify(backups, { reports }, state);
    expect(first.notifier.sent).toHaveLength(1);
    expect(first.notifier.sent[0]).toMatchObject({ severity: 'critical', title: 'Backup stale: FAIL' });
    expect(first.notifier.sent[0]?.text).toMatch(/FAIL freshness: newest backup db.sql.gz is 72\.\dh old/);
    expect(second.notifier.sent).toHaveLength(0);
    // A warning earlier the same day does not silence a later failure of the same backup.
    // (A dump past its retention warns; the backup then read from the stale folder fails.)
    await tmp.put('warned/db_new.sql.gz', await gzDump(100), 0);
    await tmp.put('warned/db_old.sql.gz', await gzDump(100), 10 * DAY);
    const warned = (folder: string) => ({
      warned: { kind: 'object-store', url: `file://${tmp.dir}/${folder}/`, retentionDays: 3 },
    });
    const warnFirst = await verify(warned('warned'), {}, state);
    expect(warnFirst.notifier.sent.map((m) => m.severity)).toEqual(['warning']);
    const failLater = await verify(warned('dumps'), {}, state);
    expect(failLater.notifier.sent.map((m) => m.severity)).toEqual(['critical']);
    const day = (await readdir(join(tmp.dir, 'reports', 'backup-verify')))[0]!;
    const files = await readdir(join(tmp.dir, 'reports', 'backup-verify', day));
    expect(files).toHaveLength(2);
    const report = JSON.parse(await readFile(join(tmp.dir, 'reports', 'backup-verify', day, files[0]!), 'utf8'));
    expect(report).toMatchObject({
      function: 'backupVerify',
      outcome: 'fail',
      items: [{ backup: 'stale', status: 'fail' }],
    });
    expect(first.envelope.report).toMatchObject({ url: expect.stringContaining('/reports/backup-verify/') });
  });

  it('fails a read that stalls, within the idle timeout', async () => {
    const stalling: ObjectStore = {
      list: async () => [{ key: 'db.sql.gz', bytes: 1_000_000, updated: new Date() }],
      stat: async () => undefined,
      read: async () => new Readable({ read() {} }),
      write: async () => undefined,
      delete: async () => undefined,
    };
    const backup = ObjectStoreBackupSchema.parse({ kind: 'object-store', url: 'file:///x/', idleTimeout: '300ms' });
    const started = Date.now();
    const result = await verifyBackup('hang', backup, {
      config: testEstate(),
      runId: 'r1',
      now: Date.now,
      signal: new AbortController().signal,
      state: new MemoryStateStore(),
      secret: async () => '',
      // No restore test here: nothing to guard.
      act: async () => ({ status: 'refused', by: 'kill-switch', reason: 'no restore test' }),
      openStore: async () => ({ store: stalling, location: { scheme: 'file', bucket: '/x', prefix: '' } }),
      sqlAdmin: async () => {
        throw new Error('unused');
      },
      redisInfo: async () => '',
      scratchClock: async () => Date.now(),
      forceRestore: false,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(detail(result, 'integrity')).toMatch(
      /cannot read db.sql.gz \(after 0 of 1000000 bytes\): no bytes received for 300 ms/,
    );
    expect(result.status).toBe('fail');
  });
});
