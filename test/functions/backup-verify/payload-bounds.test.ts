import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { runForTest } from '../../../shared/testing/index.js';
import { databaseExists, PG_URL, pgDump, suffix } from '../../shared/adapters/databases/seed.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { serveRuntime } from '../../support/serve.js';
import { statuses, tempDir } from './fixtures.js';

describe('backupVerify payload bounds', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.remove());

  it('verifies a backup named many times once, so forced restores never collide on one scratch database', async () => {
    await tmp.put('pg/app.sql.gz', await pgDump(50));
    const runId = `t${suffix()}`;
    const logs = captureLogs();
    const { envelope } = await runForTest(
      backupVerify,
      { kind: 'manual', id: `m-${suffix()}`, payload: { backups: ['pg', 'pg', 'pg', 'pg'], restore: true } },
      {
        estate: testEstate({
          backups: {
            pg: {
              kind: 'object-store',
              url: `file://${tmp.dir}/pg/`,
              restoreTest: { scratch: { postgres: PG_URL }, assertions: [{ sql: 'SELECT 1', equals: 1 }] },
            },
          } as never,
        }),
        runId,
        logSink: logs.sink,
      },
    );
    const items = envelope.items as BackupResult[];
    expect(items.map((i) => i.backup)).toEqual(['pg']);
    expect(envelope.outcome).toBe('ok');
    expect(statuses(items[0])).toMatchObject({ restore: 'ok', assertion: 'ok' });
    expect(await databaseExists('postgres', `opsfn_restore_${runId}_pg`)).toBe(false);
    const decided = logs.audits().filter((a) => a.decision === 'decided' && a.target === 'backup:pg');
    expect(decided).toHaveLength(1);
  });

  it('refuses a list of 100,000 names at once with a short 400 and a rejected audit record', async () => {
    const logs = captureLogs();
    const served = await serveRuntime({
      config: testEstate({ backups: { pg: { kind: 'object-store', url: `file://${tmp.dir}/pg/` } } as never }),
      functions: [backupVerify],
      logSink: logs.sink,
    });
    try {
      const res = await fetch(`${served.url}/backupVerify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ backups: new Array(100_000).fill('pg'), restore: true }),
      });
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text.length).toBeLessThan(8_000);
      const body = JSON.parse(text) as { outcome: string; items: unknown[]; error: { message: string } };
      expect(body.outcome).toBe('rejected');
      expect(body.items).toEqual([]);
      expect(body.error.message).toContain('backups: expected at most 1000 backups');
      const rejected = logs.audits().find((a) => a.decision === 'rejected');
      expect(rejected?.reason).toContain('expected at most 1000 backups');
      expect(logs.audits().some((a) => a.decision === 'decided')).toBe(false);
    } finally {
      await served.stop();
    }
  });

  it('echoes the first 20 problems of a payload and counts the rest', async () => {
    const logs = captureLogs();
    const { envelope } = await runForTest(
      backupVerify,
      { kind: 'manual', id: `m-${suffix()}`, payload: { backups: new Array(500).fill(7) } },
      { estate: testEstate(), logSink: logs.sink },
    );
    const message = envelope.error?.message ?? '';
    expect(envelope.error?.status).toBe(400);
    expect(message.match(/backups\[\d+\]: /g)).toHaveLength(20);
    expect(message).toMatch(/; … and 480 more$/);
    expect(logs.audits().find((a) => a.decision === 'rejected')?.reason).toBe(message);
  });
});
