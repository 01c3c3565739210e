import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreStateKey } from '../../../functions/backup-verify/checks/restore-test.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { databasesLike, MYSQL_URL, mysqlDump, PG_URL, pgDump, suffix } from '../../shared/adapters/databases/seed.js';
import { testEstate } from '../../support/estate.js';
import { detail, pgDumpall, statuses, tempDir } from './fixtures.js';

const manual = (payload: Record<string, unknown> = {}): ManualTrigger => ({
  kind: 'manual',
  id: `m-${Math.random()}`,
  payload,
});
const assertions = [
  { sql: 'SELECT count(*) FROM conversations', min: 1000 },
  { name: 'row 7 title', sql: 'SELECT title FROM conversations WHERE id = 7', equals: 'conversation 7' },
];

describe('backupVerify restore tests', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.remove());

  async function run(
    backups: Record<string, unknown>,
    state: MemoryStateStore,
    payload: Record<string, unknown> = {},
    dryRun = false,
  ) {
    const runId = `t${suffix()}`;
    const { envelope } = await runForTest(backupVerify, manual(payload), {
      estate: testEstate({ backups: backups as never }),
      state,
      runId,
      dryRun,
    });
    return { runId, items: envelope.items as BackupResult[] };
  }

  it('restores real pg_dump and mysqldump dumps, runs the assertions and drops both scratch databases', async () => {
    await tmp.put('pg/app.sql.gz', await pgDump(1200));
    await tmp.put('my/chat.sql.gz', await mysqlDump(1200));
    const state = new MemoryStateStore();
    const backups = {
      pg: {
        kind: 'object-store',
        url: `file://${tmp.dir}/pg/`,
        restoreTest: { scratch: { postgres: PG_URL }, assertions },
      },
      my: {
        kind: 'object-store',
        url: `file://${tmp.dir}/my/`,
        restoreTest: { scratch: { mysql: MYSQL_URL }, assertions },
      },
    };
    const { runId, items } = await run(backups, state);
    for (const result of items) {
      expect(result.status).toBe('ok');
      expect(result.checks.filter((c) => c.name === 'assertion').map((c) => c.status)).toEqual(['ok', 'ok']);
    }
    // PostgreSQL counts exactly from psql's COPY tags; MySQL estimates from its table statistics.
    const [pg, my] = items;
    expect(detail(pg!, 'restore')).toMatch(/restored into opsfn_restore_.* in \d+\.\ds, 1200 rows \(\d+ rows\/s\)/);
    expect(detail(my!, 'restore')).toMatch(/restored into opsfn_restore_.* in \d+\.\ds, ≈\d+ rows \(\d+ rows\/s\)/);
    expect(await databasesLike('postgres', runId)).toEqual([]);
    expect(await databasesLike('mysql', runId)).toEqual([]);
    expect(await state.get(restoreStateKey('pg'))).toMatchObject({ key: 'app.sql.gz' });

    const again = await run(backups, state);
    expect(statuses(again.items[0])).toMatchObject({ restore: 'skipped' });
    expect(detail(again.items[0], 'restore')).toMatch(/next due \d{4}-/);
    const forced = await run({ pg: backups.pg }, state, { restore: true, backups: ['pg'] });
    expect(statuses(forced.items[0])).toMatchObject({ restore: 'ok', assertion: 'ok' });
  });

  it('fails a failing assertion, a broken dump and a scratch server that is down, leaving no database behind', async () => {
    const dump = await pgDump(50, { gzip: false });
    await tmp.put('few/app.sql', dump);
    await tmp.put(
      'broken/app.sql',
      Buffer.concat([dump.subarray(0, dump.length / 2), Buffer.from('\nNOT SQL AT ALL;\n')]),
    );
    const state = new MemoryStateStore();
    const { runId, items } = await run(
      {
        few: {
          kind: 'object-store',
          url: `file://${tmp.dir}/few/`,
          restoreTest: { scratch: { postgres: PG_URL }, assertions },
        },
        broken: {
          kind: 'object-store',
          url: `file://${tmp.dir}/broken/`,
          restoreTest: { scratch: { postgres: PG_URL }, assertions },
        },
        down: {
          kind: 'object-store',
          url: `file://${tmp.dir}/few/`,
          restoreTest: { scratch: { postgres: 'postgres://postgres@127.0.0.1:1/postgres' }, assertions },
        },
      },
      state,
    );
    const [few, broken, down] = items;
    expect(few?.checks.filter((c) => c.name === 'assertion').map((c) => c.status)).toEqual(['fail', 'ok']);
    expect(detail(few, 'assertion')).toContain('50 < min 1000');
    expect(statuses(broken)).toMatchObject({ restore: 'fail', assertion: 'skipped' });
    expect(detail(broken, 'restore')).toMatch(/failed at line \d+: invalid text representation \(SQLSTATE 22P02\)/);
    expect(statuses(broken)).toMatchObject({ completeness: 'fail' });
    expect(detail(down, 'restore')).toMatch(/scratch server postgres:\/\/127\.0\.0\.1:1 unreachable/);
    expect(items.map((r) => r.status)).toEqual(['fail', 'fail', 'fail']);
    expect(await databasesLike('postgres', runId)).toEqual([]);
    expect(await state.get(restoreStateKey('few'))).toBeUndefined();
  });

  it('creates nothing in dry-run and says a restore is due', async () => {
    await tmp.put('pg/app.sql.gz', await pgDump(10));
    const backups = {
      pg: {
        kind: 'object-store',
        url: `file://${tmp.dir}/pg/`,
        restoreTest: { scratch: { postgres: PG_URL }, assertions },
      },
    };
    const { runId, items } = await run(backups, new MemoryStateStore(), {}, true);
    expect(statuses(items[0])).toMatchObject({ integrity: 'ok', restore: 'skipped' });
    expect(detail(items[0], 'restore')).toMatch(/^dry-run: a restore of app.sql.gz is due/);
    expect(await databasesLike('postgres', runId)).toEqual([]);
  });

  it('refuses a mysqldump on a PostgreSQL scratch server before creating anything', async () => {
    await tmp.put('my/chat.sql.gz', await mysqlDump(5));
    const backups = {
      my: {
        kind: 'object-store',
        url: `file://${tmp.dir}/my/`,
        restoreTest: { scratch: { postgres: PG_URL }, assertions },
      },
    };
    const { runId, items } = await run(backups, new MemoryStateStore());
    expect(detail(items[0], 'restore')).toBe(
      'chat.sql.gz is a mysqldump dump; a postgres scratch server restores plain pg_dump output only',
    );
    expect(await databasesLike('postgres', runId)).toEqual([]);
  });

  it("refuses a pg_dumpall before creating anything: its roles and databases are not a scratch database's", async () => {
    await tmp.put('all/cluster.sql.gz', gzipSync(await pgDumpall({ rows: 5 })));
    const backups = {
      all: {
        kind: 'object-store',
        url: `file://${tmp.dir}/all/`,
        restoreTest: { scratch: { postgres: PG_URL }, assertions },
      },
    };
    const { runId, items } = await run(backups, new MemoryStateStore());
    expect(statuses(items[0])).toMatchObject({ completeness: 'ok', restore: 'fail' });
    expect(detail(items[0], 'restore')).toBe(
      'cluster.sql.gz is a pg_dumpall dump; a postgres scratch server restores plain pg_dump output only',
    );
    expect(await databasesLike('postgres', runId)).toEqual([]);
  });
});
