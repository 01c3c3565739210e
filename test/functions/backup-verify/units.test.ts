import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { CRC32C } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import {
  checksumCheck,
  completenessCheck,
  dumpFormat,
  integrityCheck,
} from '../../../functions/backup-verify/checks/dump-checks.js';
import { BackupsSchema, backupReferenceIssues } from '../../../functions/backup-verify/config.js';
import { Crc32c } from '../../../functions/backup-verify/scan/crc32c.js';
import { scanStream } from '../../../functions/backup-verify/scan/scan-object.js';
import { TarWalker } from '../../../functions/backup-verify/scan/tar-walker.js';
import { sampleDump } from '../../../functions/backup-verify/self-test/sample-dump.js';
import { check } from '../../../functions/backup-verify/types.js';
import { backupVerdict, runOutcome, runSummary } from '../../../functions/backup-verify/verdict.js';
import { backupTime, globToRegExp, selectCandidates } from '../../../shared/adapters/storage/backup-candidates.js';
import { pgDumpall, tarArchive } from './fixtures.js';

describe('Crc32c', () => {
  it('matches the GCS client over odd-sized chunks', () => {
    const data = createHash('sha512').update('x').digest();
    const big = Buffer.concat(Array.from({ length: 999 }, () => data));
    const ours = new Crc32c().update(big.subarray(0, 1001)).update(big.subarray(1001)).digest();
    const theirs = new CRC32C();
    theirs.update(big);
    expect(ours).toBe(theirs.toString());
    expect(new Crc32c().update(Buffer.from('123456789')).value()).toBe(0xe3069283);
  });
});

describe('TarWalker', () => {
  it('reads a real tar byte by byte chunks and fails a bad header checksum', async () => {
    const tar = await tarArchive(false);
    const walker = new TarWalker();
    for (let i = 0; i < tar.length; i += 333) walker.write(tar.subarray(i, i + 333));
    expect(walker.finish()).toEqual({ entries: 3, complete: true });
    const bad = Buffer.from(tar);
    bad[10] = bad[10]! ^ 0xff;
    const broken = new TarWalker();
    broken.write(bad);
    expect(broken.finish().error).toMatch(/bad checksum/);
  });

  it('fails an archive whose header was zeroed out, whatever follows the zero block, and accepts zero padding', async () => {
    const tar = await tarArchive(false);
    const entry = 512 + Math.ceil(Number.parseInt(tar.toString('latin1', 124, 135).trim(), 8) / 512) * 512;
    const zeroed = Buffer.from(tar);
    zeroed.fill(0, entry, entry + 512);
    for (const size of [333, 512, 1 << 20]) {
      const walker = new TarWalker();
      for (let i = 0; i < zeroed.length; i += size) walker.write(zeroed.subarray(i, i + size));
      expect(walker.finish()).toMatchObject({
        entries: 1,
        complete: false,
        error: expect.stringMatching(/^data after a zero block where header 2 was expected/),
      });
    }
    const padded = new TarWalker();
    padded.write(Buffer.concat([tar, Buffer.alloc(100_000)]));
    expect(padded.finish()).toEqual({ entries: 3, complete: true });
  });
});

describe('object listing', () => {
  it('matches globs within and across segments', () => {
    expect(globToRegExp('*.sql.gz').test('db.sql.gz')).toBe(true);
    expect(globToRegExp('*.sql.gz').test('daily/db.sql.gz')).toBe(false);
    expect(globToRegExp('**/*.sql.gz').test('daily/x/db.sql.gz')).toBe(true);
    expect(globToRegExp('db_????.gz').test('db_2026.gz')).toBe(true);
  });

  it('takes either alternative of {a,b}, plain and gzipped dumps alike', () => {
    const dumps = globToRegExp('*.{sql,sql.gz}');
    expect(['manual_backup_20251230_020000.sql', 'latest.sql', 'x.sql.gz'].map((n) => dumps.test(n))).toEqual([
      true,
      true,
      true,
    ]);
    expect(['x.sql.gz.sha256', 'x.sqlite', 'daily/x.sql', 'x.sql.bz2'].map((n) => dumps.test(n))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(globToRegExp('{db,config}_*.tar.gz').test('config_20260101.tar.gz')).toBe(true);
    expect(globToRegExp('a{b').test('a{b')).toBe(true);
  });

  it('reads timestamps in names in the estate zone and caps date-only names at the end of that day', () => {
    const updated = new Date('2026-11-22T10:00:00Z');
    expect(backupTime('db_20261121_020000.sql.gz', updated, 'Asia/Shanghai')).toEqual({
      takenAt: Date.parse('2026-11-20T18:00:00Z'),
      source: 'name',
    });
    expect(backupTime('db_2026-11-01.sql.gz', updated, 'UTC').takenAt).toBe(Date.parse('2026-11-01T23:59:59Z'));
    expect(backupTime('latest.sql.gz', updated, 'UTC')).toEqual({ takenAt: updated.getTime(), source: 'object' });
  });

  it('reads a zone written in the name, whatever the estate zone', () => {
    const updated = new Date('2026-11-22T10:00:00Z');
    const la = 'America/Los_Angeles';
    expect(backupTime('db_20261121T120000Z.sql.gz', updated, la).takenAt).toBe(Date.parse('2026-11-21T12:00:00Z'));
    expect(backupTime('db_2026-11-21T12:00:00+08:00.sql.gz', updated, la).takenAt).toBe(
      Date.parse('2026-11-21T04:00:00Z'),
    );
    expect(backupTime('db_20261121_120000-0500.dump', updated, 'UTC').takenAt).toBe(Date.parse('2026-11-21T17:00:00Z'));
    // Without a zone the estate's applies, as before.
    expect(backupTime('db_20261121_120000.dump', updated, la).takenAt).toBe(Date.parse('2026-11-21T20:00:00Z'));
    // A fraction of a second before the zone (toISOString()) keeps the zone.
    expect(backupTime('db_2026-11-21T12:00:00.000Z.sql.gz', updated, la).takenAt).toBe(
      Date.parse('2026-11-21T12:00:00Z'),
    );
    expect(backupTime('db_2026-11-21T12-00-00-123Z.sql.gz', updated, la).takenAt).toBe(
      Date.parse('2026-11-21T12:00:00Z'),
    );
    expect(backupTime('db_20261121T120000,5+0800.sql.gz', updated, la).takenAt).toBe(
      Date.parse('2026-11-21T04:00:00Z'),
    );
  });

  it('does not believe a name dated in the future: its object time stands, so it neither passes as fresh nor sorts first', () => {
    const at = (iso: string) => new Date(iso);
    const now = Date.parse('2026-11-22T03:00:00Z');
    const stored = at('2026-10-01T02:05:00Z');
    expect(backupTime('db_20270101_020000.sql.gz', stored, 'UTC', now)).toEqual({
      takenAt: stored.getTime(),
      source: 'object',
    });
    // Minutes ahead is a clock that disagrees, not a wrong date.
    expect(backupTime('db_20261122_030500.sql.gz', stored, 'UTC', now).source).toBe('name');
    const picked = selectCandidates(
      [
        { key: 'pg/db_20270101_020000.sql.gz', bytes: 1, updated: stored },
        { key: 'pg/db_20261121_020000.sql.gz', bytes: 1, updated: at('2026-11-21T02:05:00Z') },
      ],
      'pg/',
      '*',
      'UTC',
      now,
    );
    expect(picked.map((c) => c.name)).toEqual(['db_20261121_020000.sql.gz', 'db_20270101_020000.sql.gz']);
  });

  it('picks the newest backup and leaves sidecars out', () => {
    const at = (iso: string) => new Date(iso);
    const picked = selectCandidates(
      [
        { key: 'pg/db_20261120_020000.sql.gz', bytes: 1, updated: at('2026-11-22T00:00:00Z') },
        { key: 'pg/db_20261121_020000.sql.gz', bytes: 1, updated: at('2026-11-21T02:05:00Z') },
        { key: 'pg/db_20261121_020000.sql.gz.sha256', bytes: 1, updated: at('2026-11-21T02:06:00Z') },
        { key: 'other/db_20261122_020000.sql.gz', bytes: 1, updated: at('2026-11-22T02:05:00Z') },
      ],
      'pg/',
      '*',
      'UTC',
    );
    expect(picked.map((c) => c.name)).toEqual(['db_20261121_020000.sql.gz', 'db_20261120_020000.sql.gz']);
  });
});

describe('verdict', () => {
  it('takes the worst check and summarizes the backups that are not ok', () => {
    const ok = {
      backup: 'a',
      kind: 'redis' as const,
      status: backupVerdict([check('bgsave', 'ok', ''), check('aof', 'skipped', '')]),
      checks: [],
    };
    const bad = {
      backup: 'b',
      kind: 'redis' as const,
      status: backupVerdict([check('bgsave', 'fail', ''), check('aof', 'warn', '')]),
      checks: [check('bgsave', 'fail', '')],
    };
    expect([ok.status, bad.status]).toEqual(['ok', 'fail']);
    expect(runOutcome([ok, bad])).toBe('fail');
    expect(runOutcome([])).toBe('skipped');
    expect(runSummary([ok, bad])).toBe('2 backup(s): 1 ok, 0 warn, 1 fail; b fail (bgsave)');
  });
});

describe('BackupsSchema', () => {
  it('names the path and the expectation of a bad entry', () => {
    const parsed = BackupsSchema.safeParse({
      pg: { kind: 'object-store', url: 'ftp://x/', rpo: 'soon' },
      sql: { kind: 'cloud-sql', project: 'p' },
    });
    const issues = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toContain('pg.url: expected gs://bucket/prefix/, s3://bucket/prefix/ or file:///dir/');
    expect(issues).toContain('pg.rpo: expected duration like "26h", got "soon"');
    expect(issues.some((i) => i.startsWith('sql') && i.includes('expected both "project" and "instance"'))).toBe(true);
  });

  it('fills the defaults', () => {
    const parsed = BackupsSchema.parse({
      pg: { kind: 'object-store', url: 'file:///b/', restoreTest: { scratch: { postgres: 'postgres://x/' } } },
    });
    expect(parsed.pg).toMatchObject({
      pattern: '*',
      rpo: 26 * 3_600_000,
      minBytes: 1,
      sizeDropPercent: 50,
      restoreTest: { restoreEvery: 7 * 86_400_000 },
    });
  });

  it('cross-checks cloud-sql backups against databases', () => {
    const backups = BackupsSchema.parse({
      a: { kind: 'cloud-sql', database: 'main' },
      b: { kind: 'cloud-sql', database: 'ghost' },
      c: { kind: 'cloud-sql', database: 'local' },
    });
    const issues = backupReferenceIssues(backups, { main: { kind: 'cloud-sql' }, local: { kind: 'postgres' } });
    expect(issues).toEqual([
      { path: ['backups', 'b', 'database'], message: 'unknown database "ghost" (known: main, local)' },
      {
        path: ['backups', 'c', 'database'],
        message: 'expected a cloud-sql entry of databases, "local" is not (main is)',
      },
    ]);
  });
});

describe('dump checks', () => {
  /** The three checks of one read of `body` (named .sql.gz when gzip), and the verdict they make. */
  async function judge(body: Buffer, options: { gzip?: boolean; completeness?: boolean } = {}) {
    const gzip = options.gzip ?? true;
    const scan = await scanStream(Readable.from([gzip ? gzipSync(body) : body]), {
      expectGzip: gzip,
      tar: false,
      idleTimeoutMs: 5_000,
    });
    const checks = [
      integrityCheck(scan, false),
      checksumCheck(scan, { key: 'k', bytes: 1, updated: new Date() }, undefined),
      completenessCheck(scan, false, options.completeness),
    ];
    const [integrity, , completeness] = checks;
    return { integrity, completeness, verdict: backupVerdict(checks) };
  }

  it('fails a `pg_dumpall | gzip` that died mid-COPY: gzip closed a valid stream, the cluster trailer is missing', async () => {
    const whole = await pgDumpall();
    const cut = whole.subarray(0, whole.indexOf('COPY public.') + 2_000);
    const { integrity, completeness, verdict } = await judge(cut);
    expect(integrity?.status).toBe('ok');
    expect(completeness).toMatchObject({
      status: 'fail',
      detail: 'pg_dumpall trailer "-- PostgreSQL database cluster dump complete" missing: the dump was cut short',
      data: { format: 'pg_dumpall' },
    });
    expect(verdict).toBe('fail');
  });

  it("fails a pg_dumpall cut between two databases, though the first one's pg_dump trailer is there", async () => {
    const whole = await pgDumpall({ roles: 1, databases: 2 });
    // Few roles: the first database's own pg_dump header falls within the head that names the format.
    expect(dumpFormat(whole.subarray(0, 1024).toString())).toBe('pg_dumpall');
    const end = '-- PostgreSQL database dump complete\n--\n\n';
    const cut = whole.subarray(0, whole.indexOf(end) + end.length);
    expect((await judge(cut)).completeness?.status).toBe('fail');
  });

  it('passes a whole pg_dumpall, the `\\unrestrict` line of recent releases before its trailer included', async () => {
    const { completeness, verdict } = await judge(await pgDumpall({ unrestrict: true }));
    expect(completeness).toMatchObject({
      status: 'ok',
      detail: 'pg_dumpall trailer "cluster dump complete" present',
    });
    expect(verdict).toBe('ok');
  });

  it('warns on a format it cannot judge, saying which it judges, unless the backup says so', async () => {
    const csv = Buffer.from('id,title\n'.concat('1,a\n'.repeat(1_000)));
    const warned = await judge(csv);
    expect(warned.completeness).toMatchObject({ status: 'warn', data: { format: 'unknown' } });
    expect(warned.completeness?.detail).toBe(
      'cannot tell whether the dump is complete: it is in a format not recognised; completeness judges plain pg_dump, pg_dumpall and mysqldump output (gzip or not), by the trailer each writes last (completeness: false on this backup accepts dumps it cannot judge)',
    );
    expect(warned.verdict).toBe('warn');
    const custom = await judge(Buffer.from('PGDMP\u0001\u000e\u0000 custom archive'), { gzip: false });
    expect(custom.completeness).toMatchObject({ status: 'warn', data: { format: 'pg_custom' } });
    const accepted = await judge(csv, { completeness: false });
    expect(accepted.completeness).toMatchObject({
      status: 'skipped',
      detail: 'not checked (completeness: false): the dump is in a format not recognised',
    });
    expect(accepted.verdict).toBe('ok');
    // A dump it does recognise is judged whatever the setting.
    const cutPg = await buffer(sampleDump({ rows: 10, withoutTrailer: true }));
    expect((await judge(cutPg, { completeness: false })).completeness?.status).toBe('fail');
  });

  it('reports integrity skipped, not ok, for a file that is neither compressed nor an archive', async () => {
    const plain = await judge(await buffer(sampleDump({ rows: 10 })), { gzip: false });
    expect(plain.integrity).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/^nothing to decode: read \d+ bytes, neither compressed \(gzip\) nor an archive/),
    });
    expect(plain.completeness?.status).toBe('ok');
    expect(plain.verdict).toBe('ok');
  });
});
