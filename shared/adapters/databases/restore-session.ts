import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { errorMessage } from '../../core/errors/index.js';
import type { ScratchDatabase } from './connection.js';
import { connectMysql, connectPostgres } from './drivers.js';

/** Stops a client: SIGTERM, then SIGKILL after `graceMs`; `now` skips the grace (a dump caught reaching out). */
export function stopClient(child: ChildProcessWithoutNullStreams, graceMs: number, now = false): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(now ? 'SIGKILL' : 'SIGTERM');
  if (now) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.once('close', () => clearTimeout(timer));
}

/**
 * Ends the server session a killed client left running (a `pg_sleep`, a long `CREATE INDEX`): the
 * server would otherwise carry on until the statement ends. Logs in as the same user, which may
 * end its own sessions without further privilege. Returns why it could not, if it could not.
 */
export async function endClientSessions(
  db: ScratchDatabase,
  appName: string,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    if (db.engine === 'postgres') {
      const client = await connectPostgres(db.url, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
      try {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
          [appName],
        );
      } finally {
        await client.end().catch(() => undefined);
      }
      return undefined;
    }
    const connection = await connectMysql(db.url, { connectTimeoutMs: timeoutMs });
    try {
      const [rows] = await connection.query({
        sql: "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()",
        values: [db.name],
        timeout: timeoutMs,
      });
      for (const row of rows as { id: number }[]) {
        // The session may end by itself between the lookup and the kill.
        await connection.query(`KILL ${Number(row.id)}`).catch(() => undefined);
      }
    } finally {
      await connection.end().catch(() => undefined);
    }
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
