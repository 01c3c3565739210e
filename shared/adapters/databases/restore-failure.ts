import type { Engine } from './connection.js';

/** Why a load stopped, told without a byte of the dump's data: the line, the error class, and its code. */
export interface LoadFailure {
  /** The dump line the client stopped at, when it said. */
  line?: number;
  /** SQLSTATE (PostgreSQL) or `<errno>/<SQLSTATE>` (MySQL), when the server answered with one. */
  code?: string;
  /** What kind of failure, from the code: never the server's message, which can quote row values. */
  reason: string;
  /** The dump tried to leave its database or run a client command. */
  refused: boolean;
}

/** SQLSTATE classes. https://www.postgresql.org/docs/current/errcodes-appendix.html */
const SQLSTATE_CLASSES: Record<string, string> = {
  '08': 'connection exception',
  '0A': 'feature not supported',
  '21': 'cardinality violation',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '28': 'invalid authorization',
  '2B': 'dependent privilege descriptors still exist',
  '3D': 'invalid catalog name',
  '3F': 'invalid schema name',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  HY: 'client or server error',
  XX: 'internal error',
};

const SQLSTATES: Record<string, string> = {
  '22P02': 'invalid text representation',
  '23505': 'unique violation',
  '23503': 'foreign key violation',
  '23502': 'not-null violation',
  '42501': 'insufficient privilege',
  '42601': 'syntax error',
  '42P01': 'undefined table',
  '42703': 'undefined column',
  '42704': 'undefined object',
  '57014': 'statement cancelled',
};

/** MySQL error numbers worth naming; others are told by their SQLSTATE class. */
const MYSQL_ERRORS: Record<string, string> = {
  '1044': 'access denied to another database',
  '1142': 'command denied on a table of another database',
  '1227': 'privilege missing',
  '1064': 'syntax error',
  '1062': 'duplicate key',
  '1146': 'unknown table',
  '1049': 'unknown database',
};

function describeCode(sqlstate: string): string {
  return SQLSTATES[sqlstate] ?? SQLSTATE_CLASSES[sqlstate.slice(0, 2)] ?? 'error';
}

/**
 * Reads a failed client's stderr (psql run with `VERBOSITY=sqlstate`, the MariaDB client in batch
 * mode) into a {@link LoadFailure}. `lineOffset` is how many lines opsfn put before the dump.
 */
export function describeLoadFailure(engine: Engine, stderr: string, lineOffset: number): LoadFailure | undefined {
  const lines = stderr.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const text = lines[i] ?? '';
    if (engine === 'postgres') {
      const m = /^psql:<stdin>:(\d+): (ERROR|FATAL|PANIC|error):\s+(.*)$/.exec(text);
      if (!m) continue;
      const line = Math.max(Number(m[1]) - lineOffset, 1);
      if (m[2] === 'error') {
        const refused = /backslash commands are restricted/.test(m[3] ?? '');
        return { line, refused, reason: refused ? 'psql meta-command refused (\\restrict)' : 'psql client error' };
      }
      const code = /^[0-9A-Z]{5}$/.exec(m[3]?.trim() ?? '')?.[0];
      return code === undefined
        ? { line, refused: false, reason: 'server error' }
        : { line, code, refused: code === '42501', reason: describeCode(code) };
    }
    const m = /^ERROR(?: (\d+) \(([0-9A-Z]{5})\))? at line (\d+)/.exec(text);
    if (!m) continue;
    const line = Number(m[3]);
    if (m[1] === undefined) return { line, refused: true, reason: 'client command refused (--sandbox --binary-mode)' };
    const code = `${m[1]}/${m[2]}`;
    return {
      line,
      code,
      refused: m[1] === '1044' || m[1] === '1142',
      reason: MYSQL_ERRORS[m[1]] ?? describeCode(m[2] ?? ''),
    };
  }
  return undefined;
}

/** `line 12: syntax error (SQLSTATE 42601)`, the sentence a report shows. */
export function formatLoadFailure(failure: LoadFailure): string {
  const where = failure.line === undefined ? '' : `line ${failure.line}: `;
  const code =
    failure.code === undefined ? '' : ` (${failure.code.includes('/') ? 'error' : 'SQLSTATE'} ${failure.code})`;
  return `${where}${failure.reason}${code}`;
}

/**
 * A client failure that came before any dump line (cannot connect, bad login): psql's `psql: error:`
 * and the MariaDB client's `ERROR n (state):` without `at line`. Other stderr lines, which can echo a
 * statement of the dump, are never returned.
 */
export function clientProblem(stderr: string): string | undefined {
  const found = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^psql: error: /.test(l) || /^ERROR \d+ \([0-9A-Z]{5}\): /.test(l));
  return found.at(-1)?.slice(0, 300);
}
