import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultBackupVerifyDeps } from '../../../functions/backup-verify/deps.js';
import { createBackupVerify } from '../../../functions/backup-verify/handler.js';
import { reportReserveMs } from '../../../functions/backup-verify/run-budget.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { type ObjectStore, openObjectStore } from '../../../shared/adapters/storage/index.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';
import { detail, gzDump, statuses, tempDir } from './fixtures.js';

/** A store holding one huge gzip dump that arrives a few bytes at a time: a 20 GB dump on a slow link. */
function slowStore(): ObjectStore {
  return {
    list: async (prefix) => [{ key: `${prefix}db.sql.gz`, bytes: 20e9, updated: new Date() }],
    stat: async () => undefined,
    read: async (_key, options) => {
      const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
      // A stored deflate block of 1 KiB that is not the last: valid gzip data that goes on and on.
      const block = Buffer.concat([Buffer.from([0x00, 0x00, 0x04, 0xff, 0xfb]), Buffer.alloc(1024, 'x')]);
      let sent = false;
      const body = new Readable({
        read() {
          // Bytes keep coming, so no idle timeout ends the read: only a bound on the whole read does.
          setTimeout(() => {
            if (body.destroyed) return;
            body.push(sent ? block : header);
            sent = true;
          }, 20);
        },
      });
      options?.signal?.addEventListener('abort', () => body.destroy(new Error('aborted')), { once: true });
      return body;
    },
    write: async () => undefined,
    delete: async () => undefined,
  };
}

describe('backupVerify within limits.timeout', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.remove());

  const definition = createBackupVerify({
    ...defaultBackupVerifyDeps(),
    openStore: async (url, options) =>
      url.startsWith('s3://')
        ? { store: slowStore(), location: { scheme: 's3', bucket: 'b', prefix: url.slice('s3://b/'.length) } }
        : openObjectStore(url, options),
  });

  async function verify(backups: Record<string, unknown>) {
    const estate = testEstate({
      backups: backups as never,
      reports: { url: `file://${tmp.dir}/reports/` },
      limits: { timeout: '3s' } as never,
    });
    const started = Date.now();
    const run = await runForTest(
      definition,
      { kind: 'manual', id: `m-${Math.random()}`, payload: {} },
      { estate, state: new MemoryStateStore() },
    );
    // What was sent by the time the run answered, not what a run still going after its answer sends later.
    return { ...run, sent: [...run.sent], items: run.envelope.items as BackupResult[], ms: Date.now() - started };
  }

  it('keeps a fifth of the run, between 1s and 1m, for the report', () => {
    expect([3_000, 60_000, 540_000, 3_600_000, 1_000].map(reportReserveMs)).toEqual([
      1_000, 12_000, 60_000, 60_000, 500,
    ]);
  });

  it('ends a dump too slow for the run as a failed read, and reports, notifies and answers with every backup in time', async () => {
    await tmp.put('empty/.keep', '');
    await tmp.put('good/db.sql.gz', await gzDump(100));
    const { envelope, items, sent, ms } = await verify({
      missing: { kind: 'object-store', url: `file://${tmp.dir}/empty/`, pattern: '*.sql.gz' },
      big: { kind: 'object-store', url: 's3://b/big/' },
      good: { kind: 'object-store', url: `file://${tmp.dir}/good/` },
    });
    expect(envelope.error).toBeUndefined();
    expect(ms).toBeLessThan(3_000);
    expect(envelope.outcome).toBe('fail');
    expect(items.map((i) => `${i.backup} ${i.status}`)).toEqual(['missing fail', 'big fail', 'good ok']);
    expect(statuses(items[0])).toEqual({ freshness: 'fail' });
    expect(statuses(items[1])).toMatchObject({ freshness: 'ok', integrity: 'fail', completeness: 'skipped' });
    expect(detail(items[1], 'integrity')).toMatch(
      /^cannot read big\/db\.sql\.gz \(after \d+ of 20000000000 bytes\): not finished in time: backupVerify's time ran out: limits\.timeout 3s, of which the last 1s is kept to report every backup$/,
    );
    expect(envelope.summary).toBe(
      '3 backup(s): 1 ok, 0 warn, 2 fail; missing fail (freshness); big fail (integrity); not finished in time: big',
    );
    // The critical alerts, the one for the missing backup included, went out before the answer.
    expect(sent.map((n) => `${n.severity} ${n.title}`).sort()).toEqual([
      'critical Backup big: FAIL',
      'critical Backup missing: FAIL',
    ]);
    const report = envelope.report as { url: string; error?: string };
    expect(report.error).toBeUndefined();
    const [day] = await readdir(join(tmp.dir, 'reports', 'backup-verify'));
    const written = JSON.parse(
      await readFile(join(tmp.dir, 'reports', 'backup-verify', day!, `${envelope.runId}.json`), 'utf8'),
    ) as { items: BackupResult[]; outcome: string };
    expect(written.outcome).toBe('fail');
    expect(written.items.map((i) => i.backup)).toEqual(['missing', 'big', 'good']);
  });

  it('fails the backups whose turn comes after the time for verifying ran out, without starting them', async () => {
    await tmp.put('good/db.sql.gz', await gzDump(100));
    const slow = Object.fromEntries(
      [1, 2, 3, 4].map((n) => [`big${n}`, { kind: 'object-store', url: `s3://b/big${n}/` }]),
    );
    const { envelope, items, ms } = await verify({
      ...slow,
      late: { kind: 'object-store', url: `file://${tmp.dir}/good/` },
    });
    expect(envelope.error).toBeUndefined();
    expect(ms).toBeLessThan(3_000);
    expect(items).toHaveLength(5);
    const late = items.find((i) => i.backup === 'late');
    expect(late?.checks).toEqual([
      {
        name: 'deadline',
        status: 'fail',
        detail:
          "not verified: its turn came too late, backupVerify's time ran out: limits.timeout 3s, of which the last 1s is kept to report every backup",
        data: { unfinished: true },
      },
    ]);
    expect(envelope.summary).toMatch(/; not finished in time: big1, big2, big3, big4, late$/);
  });
});
