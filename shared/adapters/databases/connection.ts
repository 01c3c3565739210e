import { createHash } from 'node:crypto';
import { BadInputError } from '../../core/errors/index.js';

/** The database engines a scratch restore supports. */
export type Engine = 'postgres' | 'mysql';

/** A server where throwaway databases may be created and dropped. */
export interface ScratchServer {
  engine: Engine;
  /** `postgres://user:pass@host:port/maintenance-db` or `mysql://user:pass@host:port/`. */
  url: string;
}

/** One throwaway database on a scratch server. */
export interface ScratchDatabase {
  engine: Engine;
  name: string;
  /** The URL that loads and reads this database: the loader's login when there is one. */
  url: string;
  /** The throwaway login that owns this database and alone may reach it, when the server allowed making one. */
  loader?: string;
}

/** Host, port and credentials taken apart from a database URL. */
export interface ConnectionParts {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  params: URLSearchParams;
}

const DEFAULT_PORT: Record<Engine, number> = { postgres: 5432, mysql: 3306 };

/** Splits a database URL into its parts, naming the URL (without password) when it is malformed. */
export function parseDatabaseUrl(engine: Engine, url: string): ConnectionParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new BadInputError(`malformed ${engine} URL`, { cause });
  }
  if (parsed.hostname === '') throw new BadInputError(`${engine} URL has no host`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? DEFAULT_PORT[engine] : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || (engine === 'postgres' ? 'postgres' : 'root'),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    params: parsed.searchParams,
  };
}

/** The server URL pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Database `name` on `server`. */
export function databaseOn(server: ScratchServer, name: string): ScratchDatabase {
  return { engine: server.engine, name, url: withDatabase(server.url, name) };
}

/** A host:port label for messages; never carries credentials. */
export function describeServer(engine: Engine, url: string): string {
  try {
    const parts = parseDatabaseUrl(engine, url);
    return `${engine}://${parts.host}:${parts.port}`;
  } catch {
    return `${engine} server`;
  }
}

/** Every restore test's scratch database starts with this. */
export const RESTORE_PREFIX = 'opsfn_restore_';

/**
 * A database name safe on both engines (lowercase `[a-z0-9_]`, at most 63 characters):
 * `opsfn_restore_` plus, when given, `e<deadline in base-36 Unix seconds>_` so a sweeper can tell an
 * abandoned database from a live one by its name alone, then the run id and a label that keeps
 * concurrent restores of one run apart.
 */
export function scratchDatabaseName(runId: string, label?: string, deadlineMs?: number): string {
  const clean = (text: string) => text.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const deadline = deadlineMs === undefined ? '' : `e${Math.ceil(deadlineMs / 1000).toString(36)}_`;
  const base = `${RESTORE_PREFIX}${deadline}${clean(runId)}`;
  // A label the cleaning changed (`orders-db`, `Orders.DB`) carries a hash of itself: two backups whose names
  // clean alike would otherwise share one scratch database, and one restore drop the other's loader.
  const tag = (text: string) =>
    clean(text) === text ? text : `${clean(text)}_${createHash('sha256').update(text).digest('hex').slice(0, 6)}`;
  const name = label === undefined ? base : `${base}_${tag(label)}`;
  if (name.length <= 63) return name;
  // Truncating alone could give two long labels one name; a hash of the whole name keeps them apart.
  return `${name.slice(0, 54)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The deadline (ms) a restore database's name carries, or undefined for a name without one. */
export function scratchDeadline(name: string): number | undefined {
  const m = /^opsfn_restore_e([0-9a-z]{6,8})_/.exec(name);
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 36) * 1000;
}
