import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type Engine,
  RestoreError,
  restoreDump,
  runAssertions,
  type ScratchServer,
  scratchDatabaseName,
  withScratchDatabase,
} from '../../../../shared/adapters/databases/index.js';
import { databaseExists, MYSQL_URL, mysqlDump, PG_URL, pgDump, suffix } from './seed.js';

const servers: Record<Engine, ScratchServer> = {
  postgres: { engine: 'postgres', url: PG_URL },
  mysql: { engine: 'mysql', url: MYSQL_URL },
};
const dumps: Record<Engine, (rows: number, o?: { gzip?: boolean }) => Promise<Buffer>> = {
  postgres: pgDump,
  mysql: mysqlDump,
};

/** Splits a buffer into chunks of `size` bytes. */
function chunks(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) out.push(buffer.subarray(i, i + size));
  return out;
}

/** A stream that sends `head` and then never ends. */
function stalling(head: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(head);
      }
    },
  });
}

describe('restoreDump into postgres, with what psql prints', () => {
  // psql prints each statement's result: a dump of a few dozen bytes can make it print one line of 48 MB. Reading
  // that line by joining chunk after chunk took minutes (quadratic) and gigabytes; skipped, it costs its bytes.
  it('reads a 48 MB line of psql output in passing and still counts the COPY rows', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const dump = [
      "SELECT repeat('x', 48000000);",
      'CREATE TABLE t (n int);',
      'COPY t (n) FROM stdin;',
      '1',
      '2',
      '\\.',
      '',
    ].join('\n');
    const stats = await withScratchDatabase(servers.postgres, name, (db) =>
      restoreDump(Readable.from([Buffer.from(dump)]), db, { timeoutMs: 60_000 }),
    );
    expect(stats.rows).toBe(2);
  }, 15_000);
});

describe.each(['postgres', 'mysql'] as const)('restoreDump into %s', (engine) => {
  it('restores a gzip dump, answers assertions and drops the scratch database', async () => {
    const dump = await dumps[engine](1500);
    const name = scratchDatabaseName(`t${suffix()}`);
    const results = await withScratchDatabase(servers[engine], name, async (db) => {
      const stats = await restoreDump(Readable.from([dump]), db, { timeoutMs: 30_000, stripOwnership: true });
      expect(stats.gzip).toBe(true);
      expect(stats.bytes).toBe(dump.length);
      // psql's COPY tags count the rows exactly; the MySQL client reports none.
      expect(stats.rows).toBe(engine === 'postgres' ? 1500 : undefined);
      expect(await databaseExists(engine, name)).toBe(true);
      return runAssertions(db, [
        { sql: 'SELECT count(*) FROM conversations', min: 1000 },
        { name: 'too many', sql: 'SELECT count(*) FROM conversations', max: 10 },
        { sql: 'SELECT title FROM conversations WHERE id = 7', equals: 'conversation 7' },
        { sql: 'SELECT count(*) FROM missing_table', min: 1 },
      ]);
    });
    expect(results.map((r) => r.status)).toEqual(['ok', 'fail', 'ok', 'fail']);
    expect(results[1]?.detail).toContain('1500 > max 10');
    expect(results[3]?.detail).toMatch(/query failed: .*missing_table/);
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('fails a dump with broken SQL, naming its line and error code, and still drops the database', async () => {
    const dump = await dumps[engine](10, { gzip: false });
    // Cut after a statement ends, so the broken one starts a line of its own.
    const head = dump.subarray(0, dump.indexOf(';\n', dump.length / 2) + 2);
    const broken = Buffer.concat([head, Buffer.from('THIS IS NOT SQL;\n')]);
    const line = head.toString('latin1').split('\n').length;
    const name = scratchDatabaseName(`t${suffix()}`);
    const attempt = withScratchDatabase(servers[engine], name, (db) =>
      restoreDump(Readable.from([broken]), db, { timeoutMs: 30_000, stripOwnership: true }),
    );
    await expect(attempt).rejects.toMatchObject({ name: 'RestoreError', phase: 'load', line });
    await expect(attempt).rejects.toThrow(
      engine === 'postgres'
        ? `line ${line}: syntax error (SQLSTATE 42601)`
        : `line ${line}: syntax error (error 1064/42000)`,
    );
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('aborts a dump that never ends and drops the database', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const started = Date.now();
    const attempt = withScratchDatabase(servers[engine], name, (db) =>
      restoreDump(stalling(Buffer.from('-- a dump\n')), db, { timeoutMs: 30_000, idleTimeoutMs: 400 }),
    );
    await expect(attempt).rejects.toMatchObject({ phase: 'stalled' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('stops a trickling dump at the overall timeout and drops the database', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    let timer: NodeJS.Timeout | undefined;
    const trickle = new Readable({
      read() {
        timer = setTimeout(() => this.push('-- still dumping\n'), 50);
      },
      destroy(error, done) {
        clearTimeout(timer);
        done(error);
      },
    });
    const attempt = withScratchDatabase(servers[engine], name, (db) =>
      restoreDump(trickle, db, { timeoutMs: 600, idleTimeoutMs: 5_000 }),
    );
    await expect(attempt).rejects.toMatchObject({ phase: 'timeout' });
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('does not call a busy client a stalled dump', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const pause = engine === 'postgres' ? 'SELECT pg_sleep(1.5);' : 'SELECT SLEEP(1.5);';
    // Enough after the pause to fill the pipe, so the source waits on the client, not the other way round.
    const filler = `${'-- filler line that the client reads after the pause ------------------------\n'.repeat(40_000)}`;
    const dump = Buffer.from(`${pause}\n${filler}SELECT 1;\n`);
    await withScratchDatabase(servers[engine], name, (db) =>
      restoreDump(Readable.from(chunks(dump, 64 * 1024)), db, {
        timeoutMs: 30_000,
        idleTimeoutMs: 400,
      }),
    );
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('reports a scratch server that is down as a connect error', async () => {
    const down: ScratchServer = {
      engine,
      url: engine === 'postgres' ? 'postgres://postgres@127.0.0.1:1/x' : 'mysql://root@127.0.0.1:1/',
    };
    const attempt = withScratchDatabase(down, scratchDatabaseName('down'), async () => 1, { timeoutMs: 2_000 });
    await expect(attempt).rejects.toBeInstanceOf(RestoreError);
    await expect(attempt).rejects.toMatchObject({ phase: 'connect' });
  });
});

describe('restoreDump ownership', () => {
  it('restores a dump owned by a role the scratch server lacks only when owner lines are stripped', async () => {
    const dump = Buffer.from(
      (await pgDump(20, { gzip: false }))
        .toString('utf8')
        .replaceAll('OWNER TO postgres', 'OWNER TO opsfn_no_such_role'),
    );
    expect(dump.toString()).toContain('OWNER TO opsfn_no_such_role');
    const name = scratchDatabaseName(`t${suffix()}`);
    const kept = withScratchDatabase(servers.postgres, name, (db) =>
      restoreDump(Readable.from([dump]), db, { timeoutMs: 30_000 }),
    );
    const ownerLine =
      dump
        .toString('latin1')
        .split('\n')
        .findIndex((l) => l.includes('OWNER TO')) + 1;
    await expect(kept).rejects.toThrow(`failed at line ${ownerLine}: undefined object (SQLSTATE 42704)`);
    const results = await withScratchDatabase(servers.postgres, name, async (db) => {
      await restoreDump(Readable.from([dump]), db, { timeoutMs: 30_000, stripOwnership: true });
      return runAssertions(db, [{ sql: 'SELECT count(*) FROM conversations', equals: 20 }]);
    });
    expect(results[0]?.status).toBe('ok');
    expect(await databaseExists('postgres', name)).toBe(false);
  });
});

describe('scratchDatabaseName', () => {
  it('keeps names short, safe and distinct', () => {
    expect(scratchDatabaseName('Run-42', 'pg_dumps')).toBe('opsfn_restore_run_42_pg_dumps');
    expect(scratchDatabaseName('Run-42', 'pg dumps')).toMatch(/^opsfn_restore_run_42_pg_dumps_[0-9a-f]{6}$/);
    // Backup names that clean alike still get databases of their own, restored side by side in one run.
    const alike = ['orders-db', 'Orders.DB', 'orders_db'].map((label) => scratchDatabaseName('run-1', label));
    expect(new Set(alike).size).toBe(3);
    const a = scratchDatabaseName('r'.repeat(40), `${'x'.repeat(40)}a`);
    const b = scratchDatabaseName('r'.repeat(40), `${'x'.repeat(40)}b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });
});
