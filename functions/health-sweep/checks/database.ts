import { connectMysql, connectPostgres } from '../../../shared/adapters/databases/index.js';
import { BadInputError } from '../../../shared/core/errors/index.js';
import type { DatabaseCheck } from '../config.js';
import { closeOnAbort } from './abort.js';
import { against, type CheckResult, type CheckStatus, type ProbeEnv, percent, since, worst } from './types.js';

/** What a database reports about itself in one round trip. */
export interface DatabaseReading {
  version: string;
  used: number;
  max: number;
  /** The connecting role's own limit and use, when it has one. */
  role?: { name: string; used: number; limit: number };
  /** Replication lag in seconds, when the server is a replica; null when replication is broken. */
  lagSeconds?: number | null;
}

/**
 * One round trip. A replica's lag: none when it has replayed all it received, else the age of the last replayed
 * transaction; and stopped (null) when it streamed (it has a receive position) but runs no WAL receiver now, whose
 * replay has then caught up with a position that no longer moves: "all replayed" is not "in step". The
 * `pg_stat_wal_receiver` row (the receiver's pid) shows to every role; only its details need `pg_read_all_stats`.
 * A replica restoring from an archive alone has no receive position and is judged by its replay.
 */
const POSTGRES_SQL = `SELECT current_setting('server_version') AS version,
  current_setting('max_connections')::int AS max,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
  current_user AS role,
  (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user)::int AS role_limit,
  (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND backend_type = 'client backend')::int AS role_used,
  pg_is_in_recovery() AS replica,
  CASE WHEN NOT pg_is_in_recovery() THEN NULL
       WHEN pg_last_wal_receive_lsn() IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL
       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag`;

async function readPostgres(url: string, check: DatabaseCheck, signal: AbortSignal): Promise<DatabaseReading> {
  const client = await connectPostgres(url, { connectTimeoutMs: check.timeout, queryTimeoutMs: check.timeout });
  const detach = closeOnAbort(signal, () => void client.end().catch(() => undefined));
  try {
    const row = (await client.query(POSTGRES_SQL)).rows[0] as Record<string, unknown>;
    const limit = Number(row.role_limit);
    return {
      version: `PostgreSQL ${String(row.version).split(' ')[0]}`,
      used: Number(row.used),
      max: Number(row.max),
      ...(limit > 0 ? { role: { name: String(row.role), used: Number(row.role_used), limit } } : {}),
      ...(row.replica === true ? { lagSeconds: row.lag === null ? null : Number(row.lag) } : {}),
    };
  } finally {
    detach();
    await client.end().catch(() => undefined);
  }
}

async function readMysql(url: string, check: DatabaseCheck, signal: AbortSignal): Promise<DatabaseReading> {
  const connection = await connectMysql(url, { connectTimeoutMs: check.timeout });
  const detach = closeOnAbort(signal, () => connection.destroy());
  const query = async (sql: string) =>
    (await connection.query({ sql, timeout: check.timeout }))[0] as Record<string, unknown>[];
  try {
    const [row] = await query(
      `SELECT VERSION() AS version, @@GLOBAL.max_connections AS max, @@SESSION.max_user_connections AS role_limit,
        SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS role,
        (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)) AS role_used`,
    );
    const [threads] = await query(`SHOW GLOBAL STATUS LIKE 'Threads_connected'`);
    const version = String(row?.version ?? '');
    const limit = Number(row?.role_limit ?? 0);
    const reading: DatabaseReading = {
      version: `${/mariadb/i.test(version) ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]}`,
      used: Number(threads?.Value ?? 0),
      max: Number(row?.max ?? 0),
      ...(limit > 0 ? { role: { name: String(row?.role), used: Number(row?.role_used ?? 0), limit } } : {}),
    };
    if (check.maxLag !== undefined) {
      const [status] = await query('SHOW REPLICA STATUS').catch(() => query('SHOW SLAVE STATUS'));
      if (status) {
        const lag = status.Seconds_Behind_Source ?? status.Seconds_Behind_Master;
        reading.lagSeconds = lag === null || lag === undefined ? null : Number(lag);
      }
    }
    return reading;
  } finally {
    detach();
    await connection.end().catch(() => undefined);
  }
}

/** Judges a reading: connections against the ratios (the server's and the role's own limit), lag against `maxLag`. */
export function judgeDatabase(reading: DatabaseReading, check: Pick<DatabaseCheck, 'connections' | 'maxLag'>) {
  const parts = [reading.version];
  const statuses: CheckStatus[] = [];
  if (reading.max > 0) {
    const ratio = reading.used / reading.max;
    statuses.push(against(ratio, check.connections));
    parts.push(`connections ${reading.used}/${reading.max} (${percent(ratio)})`);
  }
  if (reading.role) {
    const ratio = reading.role.used / reading.role.limit;
    statuses.push(against(ratio, check.connections));
    parts.push(`role ${reading.role.name} ${reading.role.used}/${reading.role.limit} (${percent(ratio)})`);
  }
  if (check.maxLag !== undefined && reading.lagSeconds !== undefined) {
    if (reading.lagSeconds === null) {
      statuses.push('fail');
      parts.push('replication stopped');
    } else {
      statuses.push(reading.lagSeconds * 1000 > check.maxLag ? 'fail' : 'ok');
      parts.push(`replica lag ${Math.round(reading.lagSeconds)}s`);
    }
  }
  return { status: worst(...statuses), parts };
}

/** The connection URL of a database check: its own, or the estate database it names. */
export async function databaseUrl(check: DatabaseCheck, env: ProbeEnv): Promise<string> {
  if (check.url !== undefined) return typeof check.url === 'string' ? check.url : env.ctx.secret(check.url);
  const database = env.ctx.config.databases[check.database ?? ''];
  if (!database) throw new BadInputError(`unknown database "${check.database}" (not in the estate's databases)`);
  if (database.kind !== check.kind) {
    throw new BadInputError(`database "${check.database}" is ${database.kind}, not ${check.kind}: give "url"`);
  }
  return typeof database.url === 'string' ? database.url : env.ctx.secret(database.url);
}

/** `postgres` / `mysql`: connect, read version, connections and replica lag in one round trip, judge them. */
export async function probeDatabase(check: DatabaseCheck, env: ProbeEnv): Promise<CheckResult> {
  const url = await databaseUrl(check, env);
  const started = performance.now();
  const reading =
    check.kind === 'postgres' ? await readPostgres(url, check, env.signal) : await readMysql(url, check, env.signal);
  const latencyMs = since(started);
  const { status, parts } = judgeDatabase(reading, check);
  return { status, latencyMs, detail: `${parts.join('; ')}; ${latencyMs} ms`, data: { ...reading } };
}
