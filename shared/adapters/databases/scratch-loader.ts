import { createHash, createHmac } from 'node:crypto';
import { errorMessage as message } from '../../core/errors/index.js';
import { databaseOn, type ScratchDatabase, type ScratchServer } from './connection.js';
import { type AdminSession, quoteIdent } from './scratch-admin.js';

/**
 * The throwaway login that loads and reads a scratch database: derived from the database name, at
 * most 32 characters (MySQL's limit on user names).
 */
export const loaderName = (database: string): string =>
  `opsfn_l_${createHash('sha256').update(database).digest('hex').slice(0, 20)}`;

/**
 * The loader's password, derived from the scratch server's URL so a later invocation (a drill's
 * `db.assert`) can log in again without it ever being stored.
 */
function loaderPassword(server: ScratchServer, database: string): string {
  return createHmac('sha256', server.url).update(`opsfn-loader:${database}`).digest('hex').slice(0, 40);
}

/** Database `name` on `server` as its loader sees it, or as the server's user when no loader was made. */
export function scratchDatabaseAs(server: ScratchServer, name: string, loader: string | undefined): ScratchDatabase {
  const db = databaseOn(server, name);
  if (loader === undefined) return db;
  const url = new URL(db.url);
  url.username = loader;
  url.password = loaderPassword(server, name);
  return { ...db, url: url.toString(), loader };
}

/** How a loader for a new scratch database came about. */
export type LoaderOutcome = { loader: string } | { loader?: undefined; reason: string };

/**
 * Creates the login that will own database `name` (PostgreSQL: LOGIN without SUPERUSER, CREATEDB,
 * CREATEROLE; MySQL: a user granted ALL on that one database) when the server's user may create
 * roles. Otherwise the load runs as the server's user and the reason says why.
 */
export async function createLoader(admin: AdminSession, server: ScratchServer, name: string): Promise<LoaderOutcome> {
  const loader = loaderName(name);
  const password = loaderPassword(server, name);
  if (admin.engine === 'postgres') {
    const [me] = (await admin.run('SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user')) as {
      rolsuper: boolean;
      rolcreaterole: boolean;
    }[];
    if (!me?.rolsuper && !me?.rolcreaterole) return { reason: 'the scratch user may not create roles' };
    await dropLoader(admin, name);
    await admin.run(
      `CREATE ROLE ${quoteIdent('postgres', loader)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 8 PASSWORD '${password}'`,
    );
    // A non-superuser may only give a database to a role it can become.
    if (!me.rolsuper) await admin.run(`GRANT ${quoteIdent('postgres', loader)} TO current_user`);
    return { loader };
  }
  const user = `${quoteIdent('mysql', loader)}@'%'`;
  try {
    await admin.run(`DROP USER IF EXISTS ${user}`);
    await admin.run(`CREATE USER ${user} IDENTIFIED BY '${password}'`);
  } catch (error) {
    return { reason: `the scratch user may not create users (${message(error)})` };
  }
  return { loader };
}

/**
 * Grants the loader everything on database `name` and nothing else. MySQL reads `_` in a granted
 * database name as a wildcard, so it is escaped. PostgreSQL needs nothing: the loader owns the database.
 */
export async function grantLoader(admin: AdminSession, name: string): Promise<void> {
  if (admin.engine === 'postgres') return;
  const database = quoteIdent('mysql', name.replaceAll('_', '\\_'));
  await admin.run(`GRANT ALL PRIVILEGES ON ${database}.* TO ${quoteIdent('mysql', loaderName(name))}@'%'`);
}

/** Drops the loader of database `name` when there is one; a server whose user cannot manage roles has none. */
export async function dropLoader(admin: AdminSession, name: string): Promise<void> {
  const loader = loaderName(name);
  if (admin.engine === 'postgres') {
    const found = await admin.run('SELECT 1 FROM pg_roles WHERE rolname = $1', [loader]);
    if (found.length > 0) await admin.run(`DROP ROLE ${quoteIdent('postgres', loader)}`);
    return;
  }
  try {
    await admin.run(`DROP USER IF EXISTS ${quoteIdent('mysql', loader)}@'%'`);
  } catch (error) {
    // Without the CREATE USER privilege no loader could have been made, so there is none to drop.
    if ((error as { errno?: number }).errno !== 1227) throw error;
  }
}
