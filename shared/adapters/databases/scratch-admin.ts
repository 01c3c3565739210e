import { errorMessage as message } from '../../core/errors/index.js';
import { describeServer, type Engine, type ScratchServer } from './connection.js';
import { connectMysql, connectPostgres } from './drivers.js';
import { RestoreError } from './errors.js';

/** One connection of the scratch server's own user, for creating and dropping databases and loaders. */
export interface AdminSession {
  readonly engine: Engine;
  run(sql: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Quotes an identifier for `engine`. */
export const quoteIdent = (engine: Engine, name: string): string =>
  engine === 'postgres' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;

/** Scratch database and loader names: lowercase `[a-z0-9_]`, never needing quotes that could be escaped. */
export const SAFE_NAME = /^[a-z0-9_]{1,63}$/;

async function openAdmin(server: ScratchServer, timeoutMs: number): Promise<AdminSession> {
  if (server.engine === 'postgres') {
    const client = await connectPostgres(server.url, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
    return {
      engine: 'postgres',
      run: async (sql, params) => (await client.query(sql, params)).rows,
      close: () => client.end(),
    };
  }
  const connection = await connectMysql(server.url, { connectTimeoutMs: timeoutMs });
  return {
    engine: 'mysql',
    run: async (sql, params) => {
      const [rows] = await connection.query({ sql, values: params, timeout: timeoutMs });
      return Array.isArray(rows) ? rows : [];
    },
    close: () => connection.end(),
  };
}

/** Runs `fn` on a fresh admin connection to `server`, closed afterwards; an unreachable server is a `connect` error. */
export async function withAdmin<T>(
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

/** Ends every session on database `name` but the admin's own, so a killed client cannot block a drop. */
export async function endSessions(admin: AdminSession, name: string): Promise<void> {
  if (admin.engine === 'postgres') {
    await admin.run(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
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
}
