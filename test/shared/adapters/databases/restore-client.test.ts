import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreDump, scratchDatabaseName, withScratchDatabase } from '../../../../shared/adapters/databases/index.js';
import { checkRestoreClient, psqlHasRestrict } from '../../../../shared/adapters/databases/restore-client.js';
import { databaseExists, MYSQL_URL, PG_URL, suffix } from './seed.js';

describe('psqlHasRestrict', () => {
  it.each([
    [15, 13, false],
    [15, 14, true],
    [16, 9, false],
    [16, 10, true],
    [17, 5, false],
    [17, 6, true],
    [18, 0, true],
    [12, 99, false],
  ])('psql %i.%i: %s', (major, minor, expected) => {
    expect(psqlHasRestrict(major, minor)).toBe(expected);
  });
});

describe('restore clients', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-client-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function script(name: string, body: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it('refuses a psql without \\restrict before creating anything', async () => {
    const psql = await script('old-psql', 'echo "psql (PostgreSQL) 15.3"');
    await expect(checkRestoreClient('postgres', { psql })).rejects.toMatchObject({ phase: 'client' });
    await expect(checkRestoreClient('postgres', { psql })).rejects.toThrow(/has no \\restrict.*15\.14\+/);
    const name = scratchDatabaseName(`t${suffix()}`);
    const attempt = restoreDump(
      Readable.from([Buffer.from('SELECT 1;\n')]),
      { engine: 'postgres', name, url: PG_URL },
      {
        timeoutMs: 5_000,
        psql,
      },
    );
    await expect(attempt).rejects.toMatchObject({ phase: 'client' });
  });

  it('refuses a MySQL client without --sandbox', async () => {
    const mysql = await script('old-mysql', 'echo "  --batch   Don\'t use history file."');
    await expect(checkRestoreClient('mysql', { mysql })).rejects.toThrow(/has no --sandbox/);
  });

  it('accepts the psql 15 and MariaDB clients installed here', async () => {
    await expect(checkRestoreClient('postgres')).resolves.toBeUndefined();
    await expect(checkRestoreClient('mysql')).resolves.toBeUndefined();
  });

  it.each(['postgres', 'mysql'] as const)(
    'gives the %s client a minimal environment: no secret of this process, a HOME of its own',
    async (engine) => {
      const out = join(dir, 'env.txt');
      const real = engine === 'postgres' ? 'psql' : 'mariadb';
      const client = await script(`env-${engine}`, `env > "${out}"\nexec ${real} "$@"`);
      process.env.OPSFN_TEST_SECRET = 'hunter2-must-not-leak';
      process.env.REDIS_URL = 'redis://:hunter2@10.0.0.1:6379';
      try {
        const server = { engine, url: engine === 'postgres' ? PG_URL : MYSQL_URL };
        const name = scratchDatabaseName(`t${suffix()}`);
        await withScratchDatabase(server, name, (db) =>
          restoreDump(Readable.from([Buffer.from('SELECT 1;\n')]), db, {
            timeoutMs: 20_000,
            ...(engine === 'postgres' ? { psql: client } : { mysql: client }),
          }),
        );
        expect(await databaseExists(engine, name)).toBe(false);
      } finally {
        delete process.env.OPSFN_TEST_SECRET;
        delete process.env.REDIS_URL;
      }
      const env = Object.fromEntries(
        (await readFile(out, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(JSON.stringify(env)).not.toContain('hunter2');
      const allowed =
        /^(PATH|HOME|LANG|LANGUAGE|LC_\w+|PG(HOST|PORT|USER|PASSWORD|DATABASE|CONNECT_TIMEOUT|APPNAME|SSLMODE|SSLROOTCERT|SSLCERT|SSLKEY)|MYSQL_PWD|PWD|SHLVL|_)$/;
      expect(Object.keys(env).filter((k) => !allowed.test(k))).toEqual([]);
      expect(env.HOME).toMatch(/opsfn-restore-/);
      await expect(stat(env.HOME ?? '/nonexistent')).rejects.toThrow();
      if (engine === 'postgres') expect(env.PGUSER).toMatch(/^opsfn_l_/);
    },
  );
});
