import { errorMessage as message } from '../errors/ops-error.js';
import { databaseOn, describeServer, type ScratchDatabase, type ScratchServer } from './connection.js';
import { connectMysql, connectPostgres } from './drivers.js';
import { RestoreError } from './errors.js';

/** Options of the admin connection that creates and drops scratch databases. */
export interface ScratchOptions {
  /** Bound on connecting and on each admin statement. */
  timeoutMs?: number;
}

interface AdminSession {
  run(sql: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

const quotePg = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteMy = (name: string) => `\`${name.replaceAll('`', '``')}\``;

async function openAdmin(server: ScratchServer, timeoutMs: number): Promise<AdminSession> {
  if (server.engine === 'postgres') {
    const client = await connectPostgres(server.url, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
    return {
      run: async (sql, params) => (await client.query(sql, params)).rows,
      close: () => client.end(),
    };
  }
  const connection = await connectMysql(server.url, { connectTimeoutMs: timeoutMs });
  return {
    run: async (sql, params) => {
      const [rows] = await connection.query({ sql, values: params, timeout: timeoutMs });
      return Array.isArray(rows) ? rows : [];
    },
    close: () => connection.end(),
  };
}

async function dropDatabase(admin: AdminSession, engine: ScratchServer['engine'], name: string): Promise<void> {
  if (engine === 'postgres') {
    // Sessions a killed psql left behind would block the drop.
    await admin.run(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await admin.run(`DROP DATABASE IF EXISTS ${quotePg(name)}`);
    return;
  }
  const sessions = await admin.run(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
    [name],
  );
  for (const row of sessions) {
    const id = Number((row as { id: unknown }).id);
    // The session may end by itself between the lookup and the kill.
    await admin.run(`KILL ${id}`).catch(() => undefined);
  }
  await admin.run(`DROP DATABASE IF EXISTS ${quoteMy(name)}`);
}

/**
 * Creates database `name` on the scratch server, runs `fn` with it and ALWAYS drops it afterwards,
 * whether `fn` returns, throws or is aborted. The drop uses a fresh connection, so a long restore
 * cannot leave it with a dead one; when both `fn` and the drop fail, the drop error (naming the first) wins.
 */
export async function withScratchDatabase<T>(
  server: ScratchServer,
  name: string,
  fn: (database: ScratchDatabase) => Promise<T>,
  options: ScratchOptions = {},
): Promise<T> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new RestoreError('create', `invalid scratch database name "${name}"`);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const where = describeServer(server.engine, server.url);
  await withAdmin(server, timeoutMs, async (admin) => {
    try {
      await admin.run(`CREATE DATABASE ${server.engine === 'postgres' ? quotePg(name) : quoteMy(name)}`);
    } catch (cause) {
      throw new RestoreError('create', `cannot create scratch database ${name} on ${where}: ${message(cause)}`, {
        cause,
      });
    }
  });
  let first: unknown;
  try {
    return await fn(databaseOn(server, name));
  } catch (error) {
    first = error;
    throw error;
  } finally {
    try {
      await withAdmin(server, timeoutMs, (admin) => dropDatabase(admin, server.engine, name));
    } catch (cause) {
      const after = first === undefined ? '' : ` (after: ${message(first)})`;
      // biome-ignore lint/correctness/noUnsafeFinally: a scratch database left behind must be reported above all else.
      throw new RestoreError('drop', `cannot drop scratch database ${name} on ${where}: ${message(cause)}${after}`, {
        cause: first ?? cause,
      });
    }
  }
}

async function withAdmin<T>(
  server: ScratchServer,
  timeoutMs: number,
  fn: (admin: AdminSession) => Promise<T>,
): Promise<T> {
  let admin: AdminSession;
  try {
    admin = await openAdmin(server, timeoutMs);
  } catch (cause) {
    const where = describeServer(server.engine, server.url);
    throw new RestoreError('connect', `scratch server ${where} unreachable: ${message(cause)}`, { cause });
  }
  try {
    return await fn(admin);
  } finally {
    // The statement's outcome is known; a failed close only leaks a session the server times out.
    await admin.close().catch(() => undefined);
  }
}

/**
 * Creates database `name` on the scratch server and leaves it there, for work that spans
 * invocations (a DR drill); the caller owns dropping it with {@link dropScratchDatabase}.
 */
export async function createScratchDatabase(
  server: ScratchServer,
  name: string,
  options: ScratchOptions = {},
): Promise<ScratchDatabase> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new RestoreError('create', `invalid scratch database name "${name}"`);
  const where = describeServer(server.engine, server.url);
  await withAdmin(server, options.timeoutMs ?? 15_000, async (admin) => {
    try {
      await admin.run(`CREATE DATABASE ${server.engine === 'postgres' ? quotePg(name) : quoteMy(name)}`);
    } catch (cause) {
      throw new RestoreError('create', `cannot create scratch database ${name} on ${where}: ${message(cause)}`, {
        cause,
      });
    }
  });
  return databaseOn(server, name);
}

/** Drops database `name` (ending its sessions first); no error when it does not exist. */
export async function dropScratchDatabase(
  server: ScratchServer,
  name: string,
  options: ScratchOptions = {},
): Promise<void> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new RestoreError('drop', `invalid scratch database name "${name}"`);
  await withAdmin(server, options.timeoutMs ?? 15_000, (admin) => dropDatabase(admin, server.engine, name));
}

/** The names of the databases on the server that start with `prefix`. */
export async function listScratchDatabases(
  server: ScratchServer,
  prefix: string,
  options: ScratchOptions = {},
): Promise<string[]> {
  const rows = await withAdmin(server, options.timeoutMs ?? 15_000, (admin) =>
    server.engine === 'postgres'
      ? admin.run('SELECT datname AS name FROM pg_database')
      : admin.run('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA'),
  );
  return rows.map((row) => String((row as { name: unknown }).name)).filter((name) => name.startsWith(prefix));
}
