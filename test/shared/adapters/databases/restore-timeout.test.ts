import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type Engine,
  restoreDump,
  scratchDatabaseName,
  withScratchDatabase,
} from '../../../../shared/adapters/databases/index.js';
import { adminSql, databaseExists, MYSQL_URL, PG_URL, suffix } from './seed.js';

const servers = { postgres: PG_URL, mysql: MYSQL_URL } as const;
const sleeper: Record<Engine, string> = {
  postgres: 'CREATE TABLE t (a int);\nSELECT pg_sleep(40);\n',
  mysql: 'CREATE TABLE t (a int);\nSELECT SLEEP(40);\n',
};

/** Sessions on database `name` other than the one asking. */
async function sessionsOn(engine: Engine, name: string): Promise<number> {
  const [n] =
    engine === 'postgres'
      ? await adminSql(
          engine,
          `SELECT count(*) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
        )
      : await adminSql(engine, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '${name}'`);
  return Number(n);
}

describe.each(['postgres', 'mysql'] as const)('restoreDump timeout on %s', (engine) => {
  it('stops a client still running the last statement, ends its server session and lets the database drop', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const started = Date.now();
    let left = -1;
    const attempt = withScratchDatabase({ engine, url: servers[engine] }, name, async (db) => {
      try {
        return await restoreDump(Readable.from([Buffer.from(sleeper[engine])]), db, {
          timeoutMs: 1_500,
          killGraceMs: 500,
        });
      } finally {
        left = await sessionsOn(engine, name);
      }
    });
    await expect(attempt).rejects.toMatchObject({ phase: 'timeout' });
    await expect(attempt).rejects.toThrow(/^timeout: the restore exceeded 1500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(left).toBe(0);
    expect(await databaseExists(engine, name)).toBe(false);
  });

  it('stops the same way when the run is aborted from outside', async () => {
    const name = scratchDatabaseName(`t${suffix()}`);
    const outer = new AbortController();
    setTimeout(() => outer.abort(new Error('backupVerify did not finish within 2s')), 1_000);
    const attempt = withScratchDatabase({ engine, url: servers[engine] }, name, (db) =>
      restoreDump(Readable.from([Buffer.from(sleeper[engine])]), db, { timeoutMs: 60_000, signal: outer.signal }),
    );
    await expect(attempt).rejects.toThrow(/^timeout: the run was stopped \(backupVerify did not finish within 2s\)/);
    expect(await databaseExists(engine, name)).toBe(false);
  });
});
