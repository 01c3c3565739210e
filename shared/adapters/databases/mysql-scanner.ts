import {
  isName,
  newStatement,
  readKeyword,
  readName,
  readPunctuation,
  SKIP,
  type StatementState,
} from './mysql-scan-grammar.js';
import { Char, closingQuote, count, DEFINER, isSpace, type ScanMode, TOKEN } from './mysql-scan-lex.js';

/** A statement of a dump that reaches past its scratch database. */
export interface ScanViolation {
  line: number;
  reason: string;
}

/** Options of `scanMysqlDump`. */
export interface MysqlScanOptions {
  /** The scratch database: the only one a dump may name. */
  database: string;
  /** Blank `DEFINER = user@host` clauses, so views, triggers and routines belong to whoever loads them. */
  stripDefiners: boolean;
  /** Called once, before anything of the offending line is passed on; nothing more is passed after it. */
  onViolation(violation: ScanViolation): void;
  /** The longest line the scan holds while it waits for the line's end (default 256 MiB: one row of a dump). */
  maxLineBytes?: number;
}

/** The scan's lexer: strings, comments, DELIMITER and INSERT values; statements go to the grammar. */
export class MysqlScanner {
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

  /** Refuses the line being read, before any of it was scanned: it is longer than the scan will hold. */
  refuseLine(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.onViolation({ line: this.line, reason });
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
      if (c === Char.QUOTE || c === Char.DQUOTE || c === Char.BACKTICK) {
        const end = closingQuote(text, i + 1, c);
        if (end < 0) {
          this.mode = text[i] as "'" | '"' | '`';
          return text.length;
        }
        i = end;
      } else if (c === Char.SEMICOLON) {
        // The end of the INSERT itself, whatever the delimiter: what follows is code again.
        this.outer = 'code';
        this.mode = 'code';
        if (this.delimiter === ';') this.endStatement();
        return i + 1;
      } else if (c === custom && text.startsWith(this.delimiter, i)) {
        this.endStatement();
        return i + this.delimiter.length;
      } else if (
        c === Char.HASH ||
        (c === Char.DASH && text.charCodeAt(i + 1) === Char.DASH && isSpace(text.charCodeAt(i + 2)))
      ) {
        const end = text.indexOf('\n', i);
        return end < 0 ? text.length : end;
      } else if (c === Char.SLASH && text.charCodeAt(i + 1) === Char.STAR && !/^M?!/.test(text.slice(i + 2, i + 4))) {
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
      this.name(i, '`', i + 1);
      return this.stopped ? this.text.length : i + 1;
    }
    let close = end;
    while (this.text[close + 1] === '`') {
      const more = this.text.indexOf('`', close + 2);
      if (more < 0) break;
      close = more;
    }
    return this.name(i, this.text.slice(i + 1, close).replaceAll('``', '`'), close + 1);
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
    if (isName(s, upper)) {
      if ((s.expect || s.database) && !s.afterDot && SKIP.has(upper)) return next;
      return this.name(i, word, next);
    }
    const read = readKeyword(s, upper);
    if (read.refuse !== undefined) return this.refuse(i, read.refuse);
    if (read.values) {
      this.outer = 'values';
      this.mode = 'values';
    }
    return next;
  }

  private name(i: number, value: string, next: number): number {
    const refused = readName(this.stmt, value, this.options.database);
    return refused === undefined ? next : this.refuse(i, refused);
  }

  private punctuation(i: number, ch: string, next: number): number {
    if (ch === ';' && this.delimiter === ';') {
      this.endStatement();
      return next;
    }
    const refused = readPunctuation(this.stmt, ch, this.options.database);
    return refused === undefined ? next : this.refuse(i, refused);
  }

  private endStatement(): void {
    this.stmt = newStatement();
    this.outer = 'code';
    this.mode = 'code';
  }
}
