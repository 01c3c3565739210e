import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { parseDatabaseUrl } from './connection.js';

/** How a `pg` connection is bounded. */
export interface PostgresConnectOptions {
  /** Bound on connecting. */
  connectTimeoutMs: number;
  /** Client-side bound on each query. */
  queryTimeoutMs: number;
  /** Server-side bound on each statement; none when omitted. */
  statementTimeoutMs?: number;
}

/**
 * Connects a `pg` client (loaded on first use) to `url`. Error events are swallowed so a dropped
 * connection cannot crash the process; it fails the next query instead.
 */
export async function connectPostgres(url: string, options: PostgresConnectOptions): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** How a `mysql2` connection is opened. */
export interface MysqlConnectOptions {
  /** Bound on connecting. */
  connectTimeoutMs: number;
  /** The database to use; none (server-level statements only) when omitted. */
  database?: string;
  /** Big integers and decimals as exact strings rather than lossy numbers. */
  exactNumbers?: boolean;
}

/**
 * Connects `mysql2` (loaded on first use) to the server of `url`. Error events are swallowed so a dropped
 * connection cannot crash the process; it fails the next query instead.
 */
export async function connectMysql(url: string, options: MysqlConnectOptions): Promise<Connection> {
  const mysql = await import('mysql2/promise');
  const parts = parseDatabaseUrl('mysql', url);
  const connection = await mysql.createConnection({
    host: parts.host,
    port: parts.port,
    user: parts.user,
    password: parts.password,
    ...(options.database === undefined ? {} : { database: options.database }),
    connectTimeout: options.connectTimeoutMs,
    // One statement per call, always: `SELECT 1; DROP …` is an error, never two statements.
    multipleStatements: false,
    ...(options.exactNumbers ? { supportBigNumbers: true, bigNumberStrings: true } : {}),
  });
  connection.on('error', () => undefined);
  return connection;
}
