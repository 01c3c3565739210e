/** Where in a MySQL dump the scanner stands between two pieces of text. */
export type ScanMode = 'code' | 'values' | 'comment' | "'" | '"' | '`';

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

/** A `DEFINER = user@host` clause, so it can be blanked and the loader own what the dump defines. */
export const DEFINER =
  /DEFINER\s*=\s*(?:CURRENT_USER(?:\s*\(\s*\))?|(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w$.-]+)(?:\s*@\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w$.%-]+))?)/iy;

/** One token of code: whitespace, a comment opener, a quote, a word, `@`, a backslash pair or one character. */
export const TOKEN =
  /([ \t\r\n\f]+)|(--(?=[ \t\r\n\f]|$)[^\n]*|#[^\n]*)|(\/\*(?:M?!\d*)?)|(\*\/)|(['"`])|([A-Za-z0-9_$\x80-\xff]+)|([\s\S])/y;
