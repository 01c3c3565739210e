import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { EstateInput } from '../../../functions/estate.js';
import { suffix } from '../../shared/adapters/databases/seed.js';

const run = promisify(execFile);

export const PG_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_SERVER = 'mysql://root@127.0.0.1:3306/';

/** A production database on the shared server with `rows` conversations; dumped with the real client tools. */
export interface ProductionDb {
  engine: 'postgres' | 'mysql';
  name: string;
  url: string;
  dump(): Promise<Buffer>;
  drop(): Promise<void>;
}

const psql = (sql: string, database = 'postgres') =>
  run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-c', sql]);
const maria = (sql: string) => run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-e', sql]);

/** Creates the production database of a test. */
export async function productionDb(engine: 'postgres' | 'mysql', rows: number): Promise<ProductionDb> {
  const name = `opsfn_drprod_${suffix()}`;
  if (engine === 'postgres') {
    await psql(`CREATE DATABASE ${name}`);
    await psql(
      `CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL);
       INSERT INTO conversations SELECT g, 'conversation ' || g FROM generate_series(1, ${rows}) g;`,
      name,
    );
    return {
      engine,
      name,
      url: `postgres://postgres@127.0.0.1:5432/${name}`,
      dump: async () =>
        gzipSync(
          (
            await run('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', name], {
              encoding: 'buffer',
              maxBuffer: 1 << 28,
            })
          ).stdout,
        ),
      drop: async () => {
        await psql(`DROP DATABASE IF EXISTS ${name}`);
      },
    };
  }
  await maria(`CREATE DATABASE ${name}`);
  await maria(
    `USE ${name}; CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL);
     INSERT INTO conversations SELECT seq, CONCAT('conversation ', seq) FROM seq_1_to_${rows};`,
  );
  return {
    engine,
    name,
    url: `mysql://root@127.0.0.1:3306/${name}`,
    dump: async () =>
      gzipSync(
        (
          await run('mysqldump', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '--single-transaction', name], {
            encoding: 'buffer',
            maxBuffer: 1 << 28,
          })
        ).stdout,
      ),
    drop: async () => {
      await maria(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** Databases on a shared server whose names start with `prefix`. */
export async function databasesLike(engine: 'postgres' | 'mysql', prefix: string): Promise<string[]> {
  const { stdout } =
    engine === 'postgres'
      ? await run('psql', ['-X', '-tA', '-h', '127.0.0.1', '-U', 'postgres', '-c', 'SELECT datname FROM pg_database'])
      : await run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-N', '-e', 'SHOW DATABASES']);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(prefix));
}

/** Creates or drops a database by hand (a stray the drill did not record). */
export async function createDatabase(engine: 'postgres' | 'mysql', name: string): Promise<void> {
  if (engine === 'postgres') await psql(`CREATE DATABASE ${name}`);
  else await maria(`CREATE DATABASE ${name}`);
}
export async function dropDatabase(engine: 'postgres' | 'mysql', name: string): Promise<void> {
  if (engine === 'postgres') await psql(`DROP DATABASE IF EXISTS ${name}`);
  else await maria(`DROP DATABASE IF EXISTS ${name}`);
}

/** A temporary directory with `backups/` (dumps) and `reports/`. */
export async function workDir() {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-dr-'));
  await mkdir(join(dir, 'backups'), { recursive: true });
  await mkdir(join(dir, 'reports'), { recursive: true });
  return {
    dir,
    backupsUrl: `file://${dir}/backups/`,
    reportsUrl: `file://${dir}/reports`,
    putDump: (name: string, body: Buffer) => writeFile(join(dir, 'backups', name), body),
    async reports(): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      const walk = async (sub: string) => {
        for (const entry of await readdir(join(dir, 'reports', sub), { withFileTypes: true })) {
          if (entry.isDirectory()) await walk(join(sub, entry.name));
          else out[join(sub, entry.name)] = await readFile(join(dir, 'reports', sub, entry.name), 'utf8');
        }
      };
      await walk('');
      return out;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A local service with `/ready` (JSON with dependency details) and `/health`; `fail` turns /ready into 503. */
export async function readyService(): Promise<{
  url: string;
  hits: string[];
  auth: string[];
  fail: boolean;
  stop(): Promise<void>;
}> {
  const state = { fail: false, hits: [] as string[], auth: [] as string[] };
  const server: Server = createServer((req, res) => {
    state.hits.push(req.url ?? '');
    if (req.headers.authorization) state.auth.push(req.headers.authorization);
    const status = req.url === '/ready' && state.fail ? 503 : 200;
    const body = {
      status: status === 200 ? 'ok' : 'down',
      checks: { database: 'ok', redis: state.fail ? 'down' : 'ok' },
    };
    setTimeout(
      () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      req.url === '/slow' ? 40 : 0,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    get auth() {
      return state.auth;
    },
    get fail() {
      return state.fail;
    },
    set fail(value: boolean) {
      state.fail = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An estate for drill tests: one production database, one dump backup, reports on disk, a plan. */
export function drillEstate(options: {
  prod: ProductionDb;
  backupsUrl: string;
  reportsUrl: string;
  plan: Record<string, unknown>;
  extra?: Partial<EstateInput>;
}): Partial<EstateInput> {
  return {
    databases: { 'main-db': { kind: options.prod.engine, url: options.prod.url } },
    backups: {
      dumps: { kind: 'object-store', url: options.backupsUrl, pattern: 'db_*.sql.gz', rpo: '26h' },
    },
    reports: { url: options.reportsUrl },
    drills: { 'quarterly-db': options.plan } as never,
    ...options.extra,
  };
}
