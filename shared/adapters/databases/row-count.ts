import type { ScratchDatabase } from './connection.js';
import { connectMysql, connectPostgres } from './drivers.js';

/**
 * Estimates the rows a restore loaded, from planner statistics refreshed by ANALYZE (exact for small
 * tables, a close estimate for large ones); undefined when the statistics cannot be read.
 */
export async function estimateRows(db: ScratchDatabase, timeoutMs = 120_000): Promise<number | undefined> {
  try {
    return db.engine === 'postgres' ? await estimatePostgres(db, timeoutMs) : await estimateMysql(db, timeoutMs);
  } catch {
    // Statistics are a nicety for the report; a restore that worked must not fail on them.
    return undefined;
  }
}

async function estimatePostgres(db: ScratchDatabase, timeoutMs: number): Promise<number> {
  const client = await connectPostgres(db.url, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
  try {
    await client.query('ANALYZE');
    const result = await client.query<{ rows: string | null }>(
      `SELECT sum(greatest(c.reltuples, 0))::bigint AS rows FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    return Number(result.rows[0]?.rows ?? 0);
  } finally {
    // The estimate is in hand; a failed close only leaks a session the server times out.
    await client.end().catch(() => undefined);
  }
}

async function estimateMysql(db: ScratchDatabase, timeoutMs: number): Promise<number> {
  const connection = await connectMysql(db.url, { connectTimeoutMs: timeoutMs, database: db.name });
  try {
    const [tables] = await connection.query({
      sql: "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      values: [db.name],
      timeout: timeoutMs,
    });
    const names = (tables as { t: string }[]).map((row) => `\`${row.t.replaceAll('`', '``')}\``);
    if (names.length === 0) return 0;
    await connection.query({ sql: `ANALYZE TABLE ${names.join(', ')}`, timeout: timeoutMs });
    const [rows] = await connection.query({
      sql: "SELECT COALESCE(SUM(TABLE_ROWS), 0) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      values: [db.name],
      timeout: timeoutMs,
    });
    return Number((rows as { n: string | number }[])[0]?.n ?? 0);
  } finally {
    // The estimate is in hand; a failed close only leaks a session the server times out.
    await connection.end().catch(() => undefined);
  }
}
