import { errorMessage as message } from '../../core/errors/index.js';
import { describeServer, type ScratchDatabase, type ScratchServer } from './connection.js';
import { RestoreError } from './errors.js';
import { type AdminSession, endSessions, quoteIdent, SAFE_NAME, withAdmin } from './scratch-admin.js';
import { createLoader, dropLoader, grantLoader, scratchDatabaseAs } from './scratch-loader.js';

/** Options of the admin connection that creates and drops scratch databases. */
export interface ScratchOptions {
  /** Bound on connecting and on each admin statement. */
  timeoutMs?: number;
}

/** A new scratch database, owned by its loader login. */
export type CreatedScratch = ScratchDatabase;

/**
 * Refuses a restore no loader login could be made for: the dump would run as the scratch URL's user, with its
 * rights over every database it reaches (other runs' copies, production's if that user has any); a dump is
 * untrusted, and no scan of its text closes every way of naming another database (`EXECUTE IMMEDIATE`,
 * `COMMIT; DROP DATABASE … WITH (FORCE)`).
 */
function noLoaderRefusal(name: string, where: string, reason: string): RestoreError {
  return new RestoreError(
    'refused',
    `refused: no loader login could own scratch database ${name} on ${where} (${reason}), so the dump would run with the scratch user's own rights over every database it reaches; give that user CREATEROLE (PostgreSQL) or CREATE USER and GRANT OPTION (MySQL)`,
  );
}

async function createIn(admin: AdminSession, server: ScratchServer, name: string): Promise<CreatedScratch> {
  const where = describeServer(server.engine, server.url);
  let made: Awaited<ReturnType<typeof createLoader>>;
  try {
    made = await createLoader(admin, server, name);
  } catch (cause) {
    throw new RestoreError('create', `cannot create scratch database ${name} on ${where}: ${message(cause)}`, {
      cause,
    });
  }
  if (made.loader === undefined) throw noLoaderRefusal(name, where, made.reason);
  const { loader } = made;
  try {
    const owner = server.engine === 'postgres' ? ` OWNER ${quoteIdent('postgres', loader)}` : '';
    try {
      await admin.run(`CREATE DATABASE ${quoteIdent(server.engine, name)}${owner}`);
    } catch (error) {
      // The sweep of leftovers lists databases, not logins: a loader without its database would stay forever.
      await dropLoader(admin, name).catch(() => undefined);
      throw error;
    }
    try {
      await grantLoader(admin, name);
    } catch (error) {
      // Nothing is loaded into a database its loader cannot reach: the database and the loader go again.
      await dropIn(admin, name).catch(() => undefined);
      throw noLoaderRefusal(name, where, `the scratch user may not grant on ${name}: ${message(error)}`);
    }
    return scratchDatabaseAs(server, name, loader);
  } catch (cause) {
    if (cause instanceof RestoreError) throw cause;
    throw new RestoreError('create', `cannot create scratch database ${name} on ${where}: ${message(cause)}`, {
      cause,
    });
  }
}

async function dropIn(admin: AdminSession, name: string): Promise<void> {
  // Sessions a killed client left behind would block the drop.
  await endSessions(admin, name);
  await admin.run(`DROP DATABASE IF EXISTS ${quoteIdent(admin.engine, name)}`);
  await dropLoader(admin, name);
}

function checkName(name: string, phase: 'create' | 'drop'): void {
  if (!SAFE_NAME.test(name)) throw new RestoreError(phase, `invalid scratch database name "${name}"`);
}

/**
 * Creates database `name` on the scratch server, owned by a throwaway loader login when the server's
 * user may create one, and leaves it there; the caller owns dropping it with {@link dropScratchDatabase}.
 */
export async function createScratchDatabase(
  server: ScratchServer,
  name: string,
  options: ScratchOptions = {},
): Promise<CreatedScratch> {
  checkName(name, 'create');
  return withAdmin(server, options.timeoutMs ?? 15_000, (admin) => createIn(admin, server, name));
}

/** Drops database `name` (ending its sessions first) and its loader; no error when neither exists. */
export async function dropScratchDatabase(
  server: ScratchServer,
  name: string,
  options: ScratchOptions = {},
): Promise<void> {
  checkName(name, 'drop');
  await withAdmin(server, options.timeoutMs ?? 15_000, (admin) => dropIn(admin, name));
}

/**
 * Creates database `name`, runs `fn` with it and ALWAYS drops it afterwards, whether `fn` returns,
 * throws or is aborted. The drop uses a fresh connection, so a long restore cannot leave it with a
 * dead one; when both `fn` and the drop fail, the drop error (naming the first) wins.
 */
export async function withScratchDatabase<T>(
  server: ScratchServer,
  name: string,
  fn: (database: CreatedScratch) => Promise<T>,
  options: ScratchOptions = {},
): Promise<T> {
  const db = await createScratchDatabase(server, name, options);
  let first: unknown;
  try {
    return await fn(db);
  } catch (error) {
    first = error;
    throw error;
  } finally {
    try {
      await dropScratchDatabase(server, name, options);
    } catch (cause) {
      const after = first === undefined ? '' : ` (after: ${message(first)})`;
      const where = describeServer(server.engine, server.url);
      // biome-ignore lint/correctness/noUnsafeFinally: a scratch database left behind must be reported above all else.
      throw new RestoreError('drop', `cannot drop scratch database ${name} on ${where}: ${message(cause)}${after}`, {
        cause: first ?? cause,
      });
    }
  }
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

/**
 * The scratch server's own clock, in epoch milliseconds. Every opsfn instance that shares a scratch server
 * reads the same clock here, so the sweep can ask it too before it takes a database for left behind.
 */
export async function scratchServerNow(server: ScratchServer, options: ScratchOptions = {}): Promise<number> {
  const rows = await withAdmin(server, options.timeoutMs ?? 15_000, (admin) =>
    admin.run(
      server.engine === 'postgres'
        ? 'SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::text AS ms'
        : 'SELECT CAST(FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000) AS CHAR) AS ms',
    ),
  );
  const ms = Number((rows[0] as { ms?: unknown } | undefined)?.ms);
  if (!Number.isFinite(ms)) {
    throw new RestoreError('connect', `${describeServer(server.engine, server.url)} gave no time of day`);
  }
  return ms;
}
