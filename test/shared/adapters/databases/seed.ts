import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/';

/** A random suffix that keeps concurrent test runs apart. */
export const suffix = () => randomBytes(4).toString('hex');

/** Creates a PostgreSQL source database with `rows` conversations, dumps it with real pg_dump, drops it. */
export async function pgDump(rows: number, options: { gzip?: boolean } = {}): Promise<Buffer> {
  const db = `opsfn_src_${suffix()}`;
  const psql = (sql: string, database = 'postgres') =>
    run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-c', sql]);
  await psql(`CREATE DATABASE ${db}`);
  try {
    await psql(
      `CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL);
       INSERT INTO conversations SELECT g, 'conversation ' || g FROM generate_series(1, ${rows}) g;`,
      db,
    );
    const { stdout } = await run('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', db], {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    });
    return options.gzip === false ? stdout : gzipSync(stdout);
  } finally {
    await psql(`DROP DATABASE IF EXISTS ${db}`);
  }
}

/** Creates a MariaDB source database with `rows` conversations, dumps it with real mysqldump, drops it. */
export async function mysqlDump(rows: number, options: { gzip?: boolean } = {}): Promise<Buffer> {
  const db = `opsfn_src_${suffix()}`;
  const sql = (text: string) => run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-e', text]);
  await sql(`CREATE DATABASE ${db}`);
  try {
    await sql(
      `USE ${db}; CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL);
       INSERT INTO conversations SELECT seq, CONCAT('conversation ', seq) FROM seq_1_to_${rows};`,
    );
    const { stdout } = await run(
      'mysqldump',
      ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '--single-transaction', db],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 30,
      },
    );
    return options.gzip === false ? stdout : gzipSync(stdout);
  } finally {
    await sql(`DROP DATABASE IF EXISTS ${db}`);
  }
}

/** Whether a database of that name exists on the shared servers. */
export async function databaseExists(engine: 'postgres' | 'mysql', name: string): Promise<boolean> {
  return (await databasesLike(engine, name)).includes(name);
}

/** The databases on the shared server whose name contains `fragment` (a run id), so a test sees what its run left. */
export async function databasesLike(engine: 'postgres' | 'mysql', fragment: string): Promise<string[]> {
  const { stdout } =
    engine === 'postgres'
      ? await run('psql', ['-X', '-tA', '-h', '127.0.0.1', '-U', 'postgres', '-c', 'SELECT datname FROM pg_database'])
      : await run('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP', '-N', '-e', 'SHOW DATABASES']);
  const clean = fragment.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return stdout.split('\n').filter((name) => name.includes(clean));
}

/** Runs SQL as the shared servers' administrator (postgres / root) and returns the first column of each row. */
export async function adminSql(engine: 'postgres' | 'mysql', sql: string, database?: string): Promise<string[]> {
  const { stdout } =
    engine === 'postgres'
      ? await run('psql', [
          '-X',
          '-tA',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          '127.0.0.1',
          '-U',
          'postgres',
          '-d',
          database ?? 'postgres',
          '-c',
          sql,
        ])
      : await run('mariadb', [
          '-h',
          '127.0.0.1',
          '-u',
          'root',
          '--protocol=TCP',
          '-N',
          ...(database ? [database] : []),
          '-e',
          sql,
        ]);
  return stdout.split('\n').filter((l) => l !== '');
}

/** A database other than the scratch one, with a `canary` table of one row, that a dump must not reach. */
export async function otherDatabase(engine: 'postgres' | 'mysql'): Promise<{
  name: string;
  tables(): Promise<string[]>;
  canary(): Promise<string[]>;
  drop(): Promise<void>;
}> {
  const name = `opsfn_other_${suffix()}`;
  await adminSql(engine, `CREATE DATABASE ${name}`);
  await adminSql(engine, "CREATE TABLE canary (v varchar(20)); INSERT INTO canary VALUES ('alive');", name);
  return {
    name,
    tables: () =>
      engine === 'postgres'
        ? adminSql(engine, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", name)
        : adminSql(engine, 'SHOW TABLES', name),
    canary: () => adminSql(engine, 'SELECT v FROM canary', name),
    drop: async () => {
      await adminSql(engine, `DROP DATABASE IF EXISTS ${name}`);
    },
  };
}
