import type { QueryArrayConfig } from 'pg';
import { errorMessage } from '../../core/errors/index.js';
import type { ScratchDatabase } from './connection.js';
import { connectMysql, connectPostgres } from './drivers.js';

/** One SQL assertion: the first column of the first row must satisfy every bound given. */
export interface SqlAssertion {
  name?: string;
  sql: string;
  min?: number;
  max?: number;
  equals?: number | string | boolean;
}

/** How one assertion went; a query error is a `fail` with its message, never a throw. */
export interface AssertionResult {
  name: string;
  status: 'ok' | 'fail';
  value?: unknown;
  detail: string;
}

/** Options of an assertion run. */
export interface AssertionOptions {
  /** Bound on connecting and on each query. */
  timeoutMs?: number;
}

interface ReadSession {
  first(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Each assertion runs as one statement through the extended query protocol (PostgreSQL) or a
 * prepared statement (MySQL), both of which refuse `COMMIT; DELETE …`, inside a read-only
 * transaction, as the database's loader: no assertion can change what the next one sees.
 */
async function openSession(db: ScratchDatabase, timeoutMs: number): Promise<ReadSession> {
  if (db.engine === 'postgres') {
    const client = await connectPostgres(db.url, {
      connectTimeoutMs: timeoutMs,
      queryTimeoutMs: timeoutMs + 1_000,
      statementTimeoutMs: timeoutMs,
    });
    return {
      first: async (sql) => {
        await client.query('BEGIN READ ONLY');
        try {
          const query: QueryArrayConfig & { queryMode: 'extended' } = {
            text: sql,
            rowMode: 'array',
            queryMode: 'extended',
          };
          const result = await client.query(query);
          return (result.rows[0] as unknown[] | undefined)?.[0];
        } finally {
          // Read-only: nothing to undo; a dead connection shows up on the next query.
          await client.query('ROLLBACK').catch(() => undefined);
        }
      },
      close: () => client.end(),
    };
  }
  const connection = await connectMysql(db.url, { connectTimeoutMs: timeoutMs, database: db.name, exactNumbers: true });
  return {
    first: async (sql) => {
      await connection.query('START TRANSACTION READ ONLY');
      try {
        const [rows] = await connection.execute({ sql, timeout: timeoutMs, rowsAsArray: true });
        return Array.isArray(rows) ? (rows[0] as unknown[] | undefined)?.[0] : undefined;
      } finally {
        // Read-only: nothing to undo; a dead connection shows up on the next query.
        await connection.query('ROLLBACK').catch(() => undefined);
      }
    },
    close: () => connection.end(),
  };
}

/** Compares a value with an assertion's bounds; pure. */
export function judgeAssertion(assertion: SqlAssertion, value: unknown): AssertionResult {
  const name = assertion.name ?? assertion.sql;
  const shown = value instanceof Date ? value.toISOString() : value;
  const problems: string[] = [];
  if (assertion.min !== undefined || assertion.max !== undefined) {
    const n =
      typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' ? Number(value) : Number.NaN;
    if (Number.isNaN(n)) problems.push(`expected a number, got ${JSON.stringify(shown ?? null)}`);
    else {
      if (assertion.min !== undefined && n < assertion.min) problems.push(`${n} < min ${assertion.min}`);
      if (assertion.max !== undefined && n > assertion.max) problems.push(`${n} > max ${assertion.max}`);
    }
  }
  if (assertion.equals !== undefined && !sameValue(assertion.equals, value)) {
    problems.push(`${JSON.stringify(shown ?? null)} ≠ ${JSON.stringify(assertion.equals)}`);
  }
  if (problems.length > 0) return { name, status: 'fail', value: shown, detail: problems.join('; ') };
  return { name, status: 'ok', value: shown, detail: `${JSON.stringify(shown ?? null)} as expected` };
}

function sameValue(expected: number | string | boolean, value: unknown): boolean {
  if (typeof expected === 'number') return value !== null && value !== '' && Number(value) === expected;
  if (typeof expected === 'boolean')
    return value === expected || value === (expected ? 1 : 0) || value === String(expected);
  return String(value) === expected;
}

/**
 * Runs each assertion against the scratch database with the `pg` / `mysql2` driver: one statement
 * each, read-only, bounded by `timeoutMs`. A connection failure fails every assertion with its message.
 */
export async function runAssertions(
  db: ScratchDatabase,
  assertions: readonly SqlAssertion[],
  options: AssertionOptions = {},
): Promise<AssertionResult[]> {
  if (assertions.length === 0) return [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  let session: ReadSession;
  try {
    session = await openSession(db, timeoutMs);
  } catch (error) {
    const detail = `cannot connect to ${db.name}: ${errorMessage(error)}`;
    return assertions.map((a) => ({ name: a.name ?? a.sql, status: 'fail', detail }));
  }
  try {
    const results: AssertionResult[] = [];
    for (const assertion of assertions) {
      try {
        results.push(judgeAssertion(assertion, await session.first(assertion.sql)));
      } catch (error) {
        const detail = `query failed: ${errorMessage(error)}`;
        results.push({ name: assertion.name ?? assertion.sql, status: 'fail', detail });
      }
    }
    return results;
  } finally {
    // The results are in hand; a failed close only leaks a session the server times out.
    await session.close().catch(() => undefined);
  }
}
