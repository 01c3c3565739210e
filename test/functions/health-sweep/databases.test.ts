import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { judgeDatabase } from '../../../functions/health-sweep/checks/database.js';
import { connectMysql, connectPostgres } from '../../../shared/adapters/databases/drivers.js';
import { formatZodIssues } from '../../../shared/core/config/zod-issues.js';
import { MYSQL_URL, PG_URL, suffix } from '../../shared/adapters/databases/seed.js';
import { healthHarness, itemsOf } from './harness.js';

const run = promisify(execFile);
const psql = (sql: string) =>
  run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-c', sql]);
const mariadb = (sql: string) => run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-e', sql]);

const role = `opsfn_hs_${suffix()}`;
const PG_ROLE_URL = `postgres://${role}@127.0.0.1:5432/postgres`;
const MYSQL_ROLE_URL = `mysql://${role}:pw@127.0.0.1:3306/`;
const LIMIT = 5;

beforeAll(async () => {
  await psql(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT ${LIMIT}`);
  await mariadb(`CREATE USER '${role}'@'%' IDENTIFIED BY 'pw' WITH MAX_USER_CONNECTIONS ${LIMIT}`);
});

afterAll(async () => {
  await psql(`DROP ROLE IF EXISTS ${role}`);
  await mariadb(`DROP USER IF EXISTS '${role}'@'%'`);
});

const sweepOf = (checks: unknown[], extra: Record<string, unknown> = {}) =>
  healthHarness({ health: { checks }, ...extra }).invoke();

describe('healthSweep database checks on real servers', () => {
  it('connects, reads the version and the server-wide connections', async () => {
    const items = itemsOf(
      await sweepOf([
        { name: 'pg', kind: 'postgres', url: PG_URL },
        { name: 'maria', kind: 'mysql', url: MYSQL_URL },
      ]),
    );
    expect(items.pg?.status).toBe('ok');
    expect(items.pg?.detail).toMatch(/^PostgreSQL \d+\.\d+; connections \d+\/\d+ \(\d+%\); \d+ ms$/);
    expect(items.maria?.status).toBe('ok');
    expect(items.maria?.detail).toMatch(/^MariaDB \d+\.\d+\.\d+; connections \d+\/\d+ \(\d+%\); \d+ ms$/);
  });

  it.each([
    ['postgres', PG_ROLE_URL],
    ['mysql', MYSQL_ROLE_URL],
  ] as const)('warns and fails as a role nears its own %s connection limit', async (kind, url) => {
    const open: { close(): Promise<unknown> }[] = [];
    const connect = async () => {
      if (kind === 'postgres') {
        const c = await connectPostgres(url, { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 });
        open.push({ close: () => c.end() });
      } else {
        const c = await connectMysql(url, { connectTimeoutMs: 5_000 });
        open.push({ close: () => c.end() });
      }
    };
    try {
      const check = [{ name: 'db', kind, url }];
      // The check's own connection counts: 3 held + 1 = 4 of 5 (80 %), then 4 + 1 = 5 of 5.
      for (let i = 0; i < 3; i++) await connect();
      const warned = itemsOf(await sweepOf(check)).db;
      expect(warned?.status).toBe('warn');
      expect(warned?.detail).toContain(`role ${role} 4/${LIMIT} (80%)`);
      await connect();
      const failed = itemsOf(await sweepOf(check)).db;
      expect(failed?.status).toBe('fail');
      expect(failed?.detail).toContain(`role ${role} 5/${LIMIT} (100%)`);
      await connect().catch(() => undefined);
      const refused = itemsOf(await sweepOf(check)).db;
      expect(refused?.status).toBe('fail');
      expect(refused?.detail).toMatch(/too many connections|max_user_connections/i);
    } finally {
      await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    }
  });

  it('judges real max_connections values against the runbook thresholds (80 % warn, 95 % fail)', async () => {
    const { stdout } = await run('psql', [
      '-X',
      '-At',
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      '-c',
      'SHOW max_connections',
    ]);
    const max = Number(stdout.trim());
    const thresholds = { connections: { warn: 0.8, fail: 0.95 } };
    const at = (used: number) => judgeDatabase({ version: 'PostgreSQL', used, max }, thresholds).status;
    expect(at(Math.ceil(max * 0.8) - 1)).toBe('ok');
    expect(at(Math.ceil(max * 0.8))).toBe('warn');
    expect(at(Math.ceil(max * 0.95))).toBe('fail');
  });

  it('reads an estate database by key', async () => {
    const items = itemsOf(
      await sweepOf(
        [
          { name: 'main', kind: 'postgres', database: 'main' },
          { name: 'closed', kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/x', timeout: '2s' },
        ],
        { databases: { main: { kind: 'postgres', url: PG_URL } } },
      ),
    );
    expect(items.main?.status).toBe('ok');
    expect(items.closed?.detail).toMatch(/ECONNREFUSED|connection refused/);
  });

  it('refuses at load a check naming a Cloud SQL entry it cannot connect to, or a database that is not there', () => {
    const estate = {
      databases: {
        main: { kind: 'postgres', url: PG_URL },
        cloud: { kind: 'cloud-sql', project: 'p', instance: 'db' },
      },
      health: {
        checks: [
          { name: 'cloud', kind: 'mysql', database: 'cloud' },
          { name: 'missing', kind: 'postgres', database: 'mian' },
        ],
      },
    };
    const parsed = EstateSchema.safeParse(estate);
    expect(parsed.success ? [] : formatZodIssues(parsed.error)).toEqual([
      'health.checks[0].database: expected a mysql entry of databases for a mysql check, "cloud" is not',
      'health.checks[1].database: unknown database "mian" (known: main, cloud; did you mean "main"?)',
    ]);
  });
});
