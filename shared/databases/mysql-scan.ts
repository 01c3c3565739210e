import { Transform, type TransformCallback } from 'node:stream';
import {
  DEFINER,
  LIST_CONTEXT,
  newStatement,
  type ScanMode,
  SKIP,
  STOP,
  type StatementState,
  TABLE_CONTEXT,
  TOKEN,
} from './mysql-scan-state.js';

/** A statement of a dump that reaches past its scratch database. */
export interface ScanViolation {
  line: number;
  reason: string;
}

/** Options of {@link scanMysqlDump}. */
export interface MysqlScanOptions {
  /** The scratch database: the only one a dump may name. */
  database: string;
  /** Blank `DEFINER = user@host` clauses, so views, triggers and routines belong to whoever loads them. */
  stripDefiners: boolean;
  /** Called once, before anything of the offending line is passed on; nothing more is passed after it. */
  onViolation(violation: ScanViolation): void;
}

/**
 * A streaming scan of a mysqldump for statements that reach another database: `USE other`,
 * `CREATE|DROP|ALTER DATABASE other`, `other.table` where a table is named, three-part names,
 * `other.routine(`, `INTO OUTFILE`, `LOAD DATA`, `LOAD_FILE(`. Strings, comments and `DELIMITER`
 * are followed; INSERT values are skipped with a native search for their quotes and terminator, so
 * row data costs little. A backstop: the server-side guard is the loader login granted one database.
 */
export function scanMysqlDump(options: MysqlScanOptions): Transform {
  const scanner = new MysqlScanner(options);
  let carry = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (scanner.stopped) return done();
      const nl = chunk.lastIndexOf(0x0a);
      if (nl < 0) {
        carry += chunk.toString('latin1');
        return done();
      }
      const text = carry + chunk.toString('latin1', 0, nl + 1);
      const out = scanner.scan(text);
      if (out === text && carry === '') this.push(chunk.subarray(0, nl + 1));
      else if (out !== undefined) this.push(Buffer.from(out, 'latin1'));
      carry = chunk.toString('latin1', nl + 1);
      done();
    },
    flush(done: TransformCallback) {
      if (!scanner.stopped && carry !== '') {
        const out = scanner.scan(carry);
        if (out !== undefined) this.push(Buffer.from(out, 'latin1'));
      }
      done();
    },
  });
}

class MysqlScanner {
  stopped = false;
  private mode: ScanMode = 'code';
  private outer: 'code' | 'values' = 'code';
  private delimiter = ';';
  private stmt: StatementState = newStatement();
  private line = 1;
  private lineStart = true;
  private text = '';
  private blanks: [number, number][] = [];

  constructor(private readonly options: MysqlScanOptions) {}

  /** Scans whole lines; returns them (definers blanked), or undefined once the dump is refused. */
  scan(text: string): string | undefined {
    this.text = text;
    this.blanks = [];
    let i = 0;
    while (i < text.length && !this.stopped) {
      if (this.mode === 'comment') {
        const end = text.indexOf('*/', i);
        i = end < 0 ? text.length : end + 2;
        if (end >= 0) this.mode = this.outer;
      } else if (this.mode === "'" || this.mode === '"' || this.mode === '`') i = this.skipQuoted(i, this.mode);
      else if (this.mode === 'values') i = this.skipValues(i);
      else i = this.token(i);
    }
    if (this.stopped) return undefined;
    this.line += count(text, '\n', 0, text.length);
    let out = text;
    for (const [from, to] of this.blanks) out = out.slice(0, from) + ' '.repeat(to - from) + out.slice(to);
    return out;
  }

  private refuse(at: number, reason: string): number {
    this.stopped = true;
    this.options.onViolation({ line: this.line + count(this.text, '\n', 0, at), reason });
    return this.text.length;
  }

  private skipQuoted(i: number, quote: "'" | '"' | '`'): number {
    const end = closingQuote(this.text, i, quote.charCodeAt(0));
    if (end < 0) return this.text.length;
    this.mode = this.outer;
    return end + 1;
  }

  /**
   * INSERT values: only quotes, comments and the statement's end matter, found with a character
   * loop (rows are most of a dump; a regular expression per row costs several times more).
   */
  private skipValues(from: number): number {
    const { text } = this;
    const custom = this.delimiter === ';' ? -1 : this.delimiter.charCodeAt(0);
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE || c === DQUOTE || c === BACKTICK) {
        const end = closingQuote(text, i + 1, c);
        if (end < 0) {
          this.mode = text[i] as "'" | '"' | '`';
          return text.length;
        }
        i = end;
      } else if (c === SEMICOLON) {
        // The end of the INSERT itself, whatever the delimiter: what follows is code again.
        this.outer = 'code';
        this.mode = 'code';
        if (this.delimiter === ';') this.endStatement();
        return i + 1;
      } else if (c === custom && text.startsWith(this.delimiter, i)) {
        this.endStatement();
        return i + this.delimiter.length;
      } else if (c === HASH || (c === DASH && text.charCodeAt(i + 1) === DASH && isSpace(text.charCodeAt(i + 2)))) {
        const end = text.indexOf('\n', i);
        return end < 0 ? text.length : end;
      } else if (c === SLASH && text.charCodeAt(i + 1) === STAR && !/^M?!/.test(text.slice(i + 2, i + 4))) {
        this.mode = 'comment';
        return i + 2;
      }
    }
    return text.length;
  }

  private token(i: number): number {
    const { text } = this;
    if (this.delimiter !== ';' && text.startsWith(this.delimiter, i)) {
      this.endStatement();
      return i + this.delimiter.length;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) return text.length;
    const next = TOKEN.lastIndex;
    if (m[1] !== undefined) {
      if (m[1].includes('\n')) this.lineStart = true;
      return next;
    }
    if (m[2] !== undefined) return next;
    if (m[3] !== undefined) {
      // `/*!40101 … */` is code the server runs; a plain comment is skipped.
      if (m[3] === '/*') this.mode = 'comment';
      return next;
    }
    if (m[4] !== undefined) return next;
    const startsLine = this.lineStart;
    this.lineStart = false;
    if (m[5] === '`') return this.backtick(i);
    if (m[5] !== undefined) {
      this.mode = m[5] as "'" | '"';
      this.stmt.tokens++;
      return next;
    }
    if (m[6] !== undefined) {
      // A delimiter such as `$$` is made of word characters: the client ends the statement inside the word.
      const cut = this.delimiter === ';' ? -1 : m[6].indexOf(this.delimiter);
      return cut > 0 ? this.word(i, m[6].slice(0, cut), i + cut, startsLine) : this.word(i, m[6], next, startsLine);
    }
    return this.punctuation(i, m[7] ?? '', next);
  }

  private backtick(i: number): number {
    const end = this.text.indexOf('`', i + 1);
    if (end < 0) {
      // An identifier across lines is not what a dump writes: read it as a name nobody allowed.
      this.mode = '`';
      this.name(i, '`');
      return i + 1;
    }
    let close = end;
    while (this.text[close + 1] === '`') {
      const more = this.text.indexOf('`', close + 2);
      if (more < 0) break;
      close = more;
    }
    this.name(i, this.text.slice(i + 1, close).replaceAll('``', '`'));
    return close + 1;
  }

  private word(i: number, word: string, next: number, startsLine: boolean): number {
    const s = this.stmt;
    const upper = word.toUpperCase();
    if (startsLine && s.tokens === 0 && upper === 'DELIMITER') {
      const rest = /[ \t]+(\S+)[^\n]*/y;
      rest.lastIndex = next;
      const d = rest.exec(this.text);
      if (d?.[1] !== undefined) this.delimiter = d[1];
      return d ? rest.lastIndex : next;
    }
    if (upper === 'DEFINER' && this.options.stripDefiners) {
      DEFINER.lastIndex = i;
      if (DEFINER.exec(this.text)) {
        this.blanks.push([i, DEFINER.lastIndex]);
        return DEFINER.lastIndex;
      }
    }
    if (s.afterDot || (!TABLE_CONTEXT.has(upper) && !STOP.has(upper) && !isKeyword(upper, s))) {
      if ((s.expect || s.database) && !s.afterDot && SKIP.has(upper)) return next;
      this.name(i, word);
      return next;
    }
    this.endName();
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
      return this.refuse(i, `INTO ${upper} writes a file on the database server`);
    if ((upper === 'DATA' || upper === 'XML') && s.first === 'LOAD' && s.tokens === 2)
      return this.refuse(i, `LOAD ${upper} reads a file`);
    if ((upper === 'VALUES' || upper === 'VALUE') && (s.first === 'INSERT' || s.first === 'REPLACE')) {
      this.outer = 'values';
      this.mode = 'values';
    }
    return next;
  }

  private name(i: number, value: string): void {
    const s = this.stmt;
    const db = this.options.database;
    if (s.database) {
      s.database = false;
      s.tokens++;
      if (value !== db)
        this.refuse(i, `${s.first === 'USE' ? 'USE' : `${s.first} DATABASE`} ${value}: another database`);
      return;
    }
    if (s.afterDot) {
      s.afterDot = false;
      s.parts.push(value);
      const [qualifier] = s.parts;
      if (qualifier !== db && (s.parts.length === 3 || (s.parts.length === 2 && s.partsInContext)))
        this.refuse(i, `${s.parts.join('.')} names another database (${qualifier})`);
      return;
    }
    this.endName();
    if (s.tokens === 0) s.first = value.toUpperCase();
    s.tokens++;
    s.prev = 'NAME';
    s.parts = [value];
    s.partsInContext = s.expect;
    s.expect = false;
  }

  private endName(): void {
    this.stmt.parts = [];
    this.stmt.afterDot = false;
  }

  private punctuation(i: number, ch: string, next: number): number {
    const s = this.stmt;
    if (ch === ';' && this.delimiter === ';') {
      this.endStatement();
      return next;
    }
    if (ch === '.' && s.parts.length > 0) {
      s.afterDot = true;
      return next;
    }
    if (ch === '*' && s.afterDot) {
      this.name(i, '*');
      return next;
    }
    if (ch === '(') {
      const [qualifier] = s.parts;
      if (s.parts.length === 2 && qualifier !== this.options.database)
        return this.refuse(i, `${s.parts.join('.')}() is a routine of another database (${qualifier})`);
      if (s.parts.length === 1 && qualifier?.toUpperCase() === 'LOAD_FILE')
        return this.refuse(i, 'LOAD_FILE() reads a file on the database server');
    }
    this.endName();
    s.tokens++;
    s.prev = ch;
    if (ch === ',' && s.list) s.expect = true;
    else s.expect = s.database = false;
    if (ch === '(' || ch === ')' || ch === ';') s.list = false;
    return next;
  }

  private endStatement(): void {
    this.stmt = newStatement();
    this.outer = 'code';
    this.mode = 'code';
  }
}

/** Words that are keywords wherever they stand in a statement's first position or after USE/DATABASE. */
function isKeyword(upper: string, s: StatementState): boolean {
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

const QUOTE = 0x27;
const DQUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const SEMICOLON = 0x3b;
const HASH = 0x23;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || Number.isNaN(c);

/** Where the string or identifier opened before `from` closes, or -1 when it runs past the text. */
function closingQuote(text: string, from: number, quote: number): number {
  const ch = String.fromCharCode(quote);
  let i = from;
  while (true) {
    const at = text.indexOf(ch, i);
    if (at < 0) return -1;
    let slashes = 0;
    while (quote !== BACKTICK && at - slashes - 1 >= from && text.charCodeAt(at - slashes - 1) === BACKSLASH) slashes++;
    if (slashes % 2 === 1) i = at + 1;
    else if (text.charCodeAt(at + 1) === quote) i = at + 2;
    else return at;
  }
}

function count(text: string, ch: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf(ch, from); at >= 0 && at < to; at = text.indexOf(ch, at + 1)) n++;
  return n;
}
