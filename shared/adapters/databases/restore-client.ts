import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../../core/errors/index.js';
import { type Engine, parseDatabaseUrl, type ScratchDatabase } from './connection.js';
import { RestoreError } from './errors.js';

const run = promisify(execFile);

/** Client binaries of a restore; defaults `psql` and the first of `mariadb`/`mysql` on PATH. */
export interface RestoreClients {
  psql?: string;
  mysql?: string;
}

/**
 * psql releases with `\restrict`, per major version (15.14, 16.10, 17.6 and every 18); without it a
 * dump's `\!` runs a shell. https://www.postgresql.org/docs/current/app-psql.html
 */
const PSQL_RESTRICT_SINCE: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };

/** Whether psql `major.minor` knows `\restrict`. */
export function psqlHasRestrict(major: number, minor: number): boolean {
  if (major >= 18) return true;
  const since = PSQL_RESTRICT_SINCE[major];
  return since !== undefined && minor >= since;
}

const checked = new Map<string, Promise<void>>();

/**
 * Refuses, before anything is created, a client that could let a dump out: a psql without
 * `\restrict`, or a MariaDB/MySQL client without `--sandbox`. The answer is kept per binary.
 */
export function checkRestoreClient(engine: Engine, clients: RestoreClients = {}): Promise<void> {
  const binary = clientBinary(engine, clients);
  const key = `${engine}:${binary}`;
  let check = checked.get(key);
  if (!check) {
    check = engine === 'postgres' ? checkPsql(binary) : checkMysql(binary);
    checked.set(key, check);
    check.catch(() => checked.delete(key));
  }
  return check;
}

async function checkPsql(binary: string): Promise<void> {
  const out = await clientOutput(binary, ['--version']);
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
  const major = Number(m?.[1]);
  const minor = Number(m?.[2] ?? 0);
  if (!m || !psqlHasRestrict(major, minor)) {
    throw new RestoreError(
      'client',
      `refused: ${binary} (${out.trim().split('\n')[0] ?? 'unknown version'}) has no \\restrict, so a dump could run shell commands; install psql 15.14+, 16.10+, 17.6+ or 18`,
    );
  }
}

async function checkMysql(binary: string): Promise<void> {
  const help = await clientOutput(binary, ['--help']);
  if (!/^\s*--sandbox\b/m.test(help) || !/^\s*--binary-mode\b/m.test(help)) {
    throw new RestoreError(
      'client',
      `refused: ${binary} has no --sandbox, so a dump could run shell commands; install the MariaDB client 10.5.25, 10.6.18, 10.11.8 or later`,
    );
  }
}

async function clientOutput(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { env: minimalEnv(), timeout: 10_000 });
    return stdout;
  } catch (cause) {
    throw new RestoreError('client', `cannot run the restore client ${binary}: ${errorMessage(cause)}`, {
      cause,
    });
  }
}

function clientBinary(engine: Engine, clients: RestoreClients): string {
  if (engine === 'postgres') return clients.psql ?? 'psql';
  return clients.mysql ?? findOnPath(['mariadb', 'mysql']) ?? 'mariadb';
}

/** The environment a restore client gets: PATH and locale, nothing else of this process (no tokens, no URLs). */
export function minimalEnv(home?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'LANG' || name === 'LANGUAGE' || name.startsWith('LC_')) env[name] = value;
  }
  if (home !== undefined) env.HOME = home;
  return env;
}

/** What a spawned restore client needs beyond the database: a HOME of its own and a session label. */
export interface SpawnOptions extends RestoreClients {
  home: string;
  /** PostgreSQL `application_name`, so the session can be found and ended on timeout. */
  appName: string;
}

/**
 * Spawns psql (`-f -` so errors carry the input line, `VERBOSITY=sqlstate` so no row value reaches
 * stderr) or the MariaDB client (`--sandbox --binary-mode`: no client command of a dump runs).
 * Credentials travel in the environment, never on the command line where `ps` shows them.
 */
export function spawnClient(db: ScratchDatabase, options: SpawnOptions): ChildProcessWithoutNullStreams {
  const parts = parseDatabaseUrl(db.engine, db.url);
  const env = minimalEnv(options.home);
  if (db.engine === 'postgres') {
    Object.assign(env, {
      PGHOST: parts.host,
      PGPORT: String(parts.port),
      PGUSER: parts.user,
      PGPASSWORD: parts.password,
      PGDATABASE: db.name,
      PGCONNECT_TIMEOUT: '15',
      PGAPPNAME: options.appName,
    });
    for (const [param, name] of SSL_PARAMS) {
      const value = parts.params.get(param) ?? process.env[name];
      if (value !== undefined) env[name] = value;
    }
    env.PGSSLMODE ??= 'prefer';
    // Not quiet: the command tags on stdout carry the row counts (query results there are ignored).
    const args = ['-X', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=sqlstate', '--single-transaction', '-f', '-'];
    return spawn(clientBinary('postgres', options), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
  env.MYSQL_PWD = parts.password;
  const args = [
    `--host=${parts.host}`,
    `--port=${parts.port}`,
    `--user=${parts.user}`,
    '--protocol=TCP',
    '--connect-timeout=15',
    '--batch',
    '--sandbox',
    '--binary-mode',
    '--local-infile=0',
    // Without a loader login the server does not stop a `USE other_db`; the client then ignores what follows it.
    ...(db.loader === undefined ? ['--one-database'] : []),
    db.name,
  ];
  return spawn(clientBinary('mysql', options), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** TLS settings of a PostgreSQL URL and the libpq variables that carry them. */
const SSL_PARAMS = [
  ['sslmode', 'PGSSLMODE'],
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
] as const;

function findOnPath(names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of names) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return name;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}
