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
  if (engine === 'postgres') {
    const { stdout } = await run('psql', [
      '-X',
      '-tA',
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      '-c',
      `SELECT 1 FROM pg_database WHERE datname = '${name}'`,
    ]);
    return stdout.trim() === '1';
  }
  const { stdout } = await run('mariadb', [
    '-h',
    '127.0.0.1',
    '-u',
    'root',
    '--protocol=TCP',
    '-N',
    '-e',
    `SHOW DATABASES LIKE '${name}'`,
  ]);
  return stdout.trim() === name;
}
