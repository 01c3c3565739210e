import { parseDatabaseUrl } from '../../../shared/adapters/databases/index.js';
import { BadInputError, DependencyError, errorMessage } from '../../../shared/core/errors/index.js';
import { HEARTBEAT_TABLE } from '../heartbeat-table.js';

/** Where heartbeats are written: a production database and the table opsfn owns there. */
export interface HeartbeatTarget {
  engine: 'postgres' | 'mysql';
  url: string;
  table: string;
}

/** The query that reads the newest heartbeat (epoch milliseconds) back from a restored copy. */
export const heartbeatQuery = (table: string) => `SELECT max(at_ms) FROM ${table}`;

/**
 * Upserts the single heartbeat row of `table` (creating the table when missing) with time `at`,
 * taken from the function's clock so the restored copy tells how old its newest data is; an older time than the
 * row holds (a delayed write) leaves it as it is.
 */
export async function writeHeartbeat(target: HeartbeatTarget, at: Date, timeoutMs: number): Promise<void> {
  if (!HEARTBEAT_TABLE.test(target.table))
    throw new BadInputError(`heartbeat table "${target.table}" is not one of opsfn's own (opsfn_…): nothing written`);
  const t = target.table;
  const ms = at.getTime();
  try {
    if (target.engine === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({
        connectionString: target.url,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
        statement_timeout: timeoutMs,
        application_name: 'opsfn-heartbeat',
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${t} (id int PRIMARY KEY, at_ms bigint NOT NULL, at timestamptz NOT NULL)`,
        );
        await client.query(
          // Never backwards: a write delayed behind a newer one (the janitor's and the schedule's) keeps the newer.
          `INSERT INTO ${t} (id, at_ms, at) VALUES (1, $1::bigint, to_timestamp($2::double precision / 1000)) ON CONFLICT (id) DO UPDATE SET at_ms = EXCLUDED.at_ms, at = EXCLUDED.at WHERE ${t}.at_ms < EXCLUDED.at_ms`,
          [ms, ms],
        );
      } finally {
        await client.end().catch(() => undefined);
      }
      return;
    }
    const mysql = await import('mysql2/promise');
    const parts = parseDatabaseUrl('mysql', target.url);
    const connection = await mysql.createConnection({
      host: parts.host,
      port: parts.port,
      user: parts.user,
      password: parts.password,
      database: parts.database,
      connectTimeout: timeoutMs,
    });
    connection.on('error', () => undefined);
    try {
      await connection.query({
        sql: `CREATE TABLE IF NOT EXISTS ${t} (id int PRIMARY KEY, at_ms bigint NOT NULL, at varchar(32) NOT NULL)`,
        timeout: timeoutMs,
      });
      await connection.query({
        // `at` first: MySQL assigns left to right, so the comparison still sees the stored time.
        sql: `INSERT INTO ${t} (id, at_ms, at) VALUES (1, ?, ?) ON DUPLICATE KEY UPDATE at = IF(VALUES(at_ms) > at_ms, VALUES(at), at), at_ms = GREATEST(at_ms, VALUES(at_ms))`,
        values: [ms, at.toISOString()],
        timeout: timeoutMs,
      });
    } finally {
      await connection.end().catch(() => undefined);
    }
  } catch (cause) {
    if (cause instanceof DependencyError) throw cause;
    const where = (() => {
      try {
        const p = parseDatabaseUrl(target.engine, target.url);
        return `${target.engine}://${p.host}:${p.port}/${p.database}`;
      } catch {
        return target.engine;
      }
    })();
    throw new DependencyError(`heartbeat write to ${where} failed: ${errorMessage(cause)}`, {
      cause,
    });
  }
}
