/**
 * The statement grammar of the MySQL dump scan: which names are tables (and so may carry a database)
 * and which statements reach past the scratch database. Pure: the scanner feeds it tokens.
 */

/** What the scanner knows of the statement it is in. */
export interface StatementState {
  /** The first keyword, upper case. */
  first?: string;
  tokens: number;
  /** The last keyword or punctuation, upper case. */
  prev?: string;
  /** The next name is a table (or routine, view, trigger) name. */
  expect: boolean;
  /** A comma brings another table name (`DROP TABLE a, b`, `FROM a, b`). */
  list: boolean;
  /** The next name is a database name (`USE x`, `CREATE DATABASE x`). */
  database: boolean;
  sawIndex: boolean;
  /** The dotted name being read, and whether it began where a table name was expected. */
  parts: string[];
  partsInContext: boolean;
  afterDot: boolean;
}

/** A fresh statement. */
export const newStatement = (): StatementState => ({
  tokens: 0,
  expect: false,
  list: false,
  database: false,
  sawIndex: false,
  parts: [],
  partsInContext: false,
  afterDot: false,
});

/** Keywords after which a (possibly database-qualified) table, view or routine name comes. */
export const TABLE_CONTEXT = new Set([
  'TABLE',
  'TABLES',
  'INTO',
  'FROM',
  'JOIN',
  'UPDATE',
  'REFERENCES',
  'VIEW',
  'TRIGGER',
  'PROCEDURE',
  'FUNCTION',
  'EVENT',
  'CALL',
  'TRUNCATE',
]);

/** Of those, the ones that take a comma-separated list. */
export const LIST_CONTEXT = new Set(['TABLE', 'TABLES', 'FROM', 'UPDATE']);

/** Keywords that end a table list and are never a table name themselves. */
export const STOP = new Set([
  'WHERE',
  'ON',
  'USING',
  'SET',
  'VALUES',
  'VALUE',
  'SELECT',
  'GROUP',
  'ORDER',
  'LIMIT',
  'HAVING',
  'UNION',
  'WINDOW',
  'PARTITION',
  'AS',
  'CHARACTER',
  'CHARSET',
  'COLLATE',
  'DEFAULT',
]);

/** Words between a context keyword and its name (`DROP TABLE IF EXISTS t`, `INSERT IGNORE INTO t`). */
export const SKIP = new Set(['IF', 'NOT', 'EXISTS', 'IGNORE', 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'QUICK']);

/** Whether a word is read as a keyword here: the first word of a statement always is. */
export function isKeyword(upper: string, s: StatementState): boolean {
  if (s.tokens === 0) return true;
  return (
    upper === 'INDEX' ||
    upper === 'DATABASE' ||
    upper === 'SCHEMA' ||
    upper === 'TO' ||
    upper === 'OUTFILE' ||
    upper === 'DUMPFILE' ||
    upper === 'DATA' ||
    upper === 'XML' ||
    upper === 'INSERT' ||
    upper === 'DELETE' ||
    upper === 'CREATE' ||
    upper === 'DROP' ||
    upper === 'ALTER' ||
    upper === 'RENAME'
  );
}

/** Whether `word` (upper case `upper`) is a name here (a table, a database, a column) rather than a keyword. */
export function isName(s: StatementState, upper: string): boolean {
  return s.afterDot || (!TABLE_CONTEXT.has(upper) && !STOP.has(upper) && !isKeyword(upper, s));
}

function endName(s: StatementState): void {
  s.parts = [];
  s.afterDot = false;
}

/** Reads a keyword; says why the statement is refused, or whether INSERT values begin. */
export function readKeyword(s: StatementState, upper: string): { refuse?: string; values?: boolean } {
  endName(s);
  const prev = s.prev;
  if (s.tokens === 0) s.first = upper;
  s.tokens++;
  s.prev = upper;
  if (STOP.has(upper)) s.list = s.expect = s.database = false;
  if (TABLE_CONTEXT.has(upper)) {
    s.expect = true;
    s.list = LIST_CONTEXT.has(upper);
  }
  if (upper === 'USE' && s.tokens === 1) s.database = true;
  if ((upper === 'DATABASE' || upper === 'SCHEMA') && (prev === 'CREATE' || prev === 'DROP' || prev === 'ALTER'))
    s.database = true;
  if (upper === 'INDEX' && s.first === 'CREATE') s.sawIndex = true;
  if (upper === 'ON' && (prev === 'INSERT' || prev === 'UPDATE' || prev === 'DELETE' || s.sawIndex)) s.expect = true;
  if (upper === 'ON' && (s.first === 'GRANT' || s.first === 'REVOKE')) s.expect = true;
  if (upper === 'TO' && (s.first === 'RENAME' || prev === 'RENAME')) s.expect = true;
  if ((upper === 'OUTFILE' || upper === 'DUMPFILE') && prev === 'INTO')
    return { refuse: `INTO ${upper} writes a file on the database server` };
  if ((upper === 'DATA' || upper === 'XML') && s.first === 'LOAD' && s.tokens === 2)
    return { refuse: `LOAD ${upper} reads a file` };
  return { values: (upper === 'VALUES' || upper === 'VALUE') && (s.first === 'INSERT' || s.first === 'REPLACE') };
}

/** Reads a name (a word or a quoted identifier); says why the statement is refused, if it is. */
export function readName(s: StatementState, value: string, database: string): string | undefined {
  if (s.database) {
    s.database = false;
    s.tokens++;
    return value === database
      ? undefined
      : `${s.first === 'USE' ? 'USE' : `${s.first} DATABASE`} ${value}: another database`;
  }
  if (s.afterDot) {
    s.afterDot = false;
    s.parts.push(value);
    const [qualifier] = s.parts;
    if (qualifier !== database && (s.parts.length === 3 || (s.parts.length === 2 && s.partsInContext)))
      return `${s.parts.join('.')} names another database (${qualifier})`;
    return undefined;
  }
  endName(s);
  if (s.tokens === 0) s.first = value.toUpperCase();
  s.tokens++;
  s.prev = 'NAME';
  s.parts = [value];
  s.partsInContext = s.expect;
  s.expect = false;
  return undefined;
}

/** Reads one punctuation character other than the statement's end; says why the statement is refused, if it is. */
export function readPunctuation(s: StatementState, ch: string, database: string): string | undefined {
  if (ch === '.' && s.parts.length > 0) {
    s.afterDot = true;
    return undefined;
  }
  if (ch === '*' && s.afterDot) return readName(s, '*', database);
  if (ch === '(') {
    const [qualifier] = s.parts;
    if (s.parts.length === 2 && qualifier !== database)
      return `${s.parts.join('.')}() is a routine of another database (${qualifier})`;
    if (s.parts.length === 1 && qualifier?.toUpperCase() === 'LOAD_FILE')
      return 'LOAD_FILE() reads a file on the database server';
  }
  endName(s);
  s.tokens++;
  s.prev = ch;
  if (ch === ',' && s.list) s.expect = true;
  else s.expect = s.database = false;
  if (ch === '(' || ch === ')' || ch === ';') s.list = false;
  return undefined;
}
