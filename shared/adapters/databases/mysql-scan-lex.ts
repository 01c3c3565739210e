/** Where in a MySQL dump the scanner stands between two pieces of text. */
export type ScanMode = 'code' | 'values' | 'comment' | "'" | '"' | '`';

/** A `DEFINER = user@host` clause, so it can be blanked and the loader own what the dump defines. */
export const DEFINER =
  /DEFINER\s*=\s*(?:CURRENT_USER(?:\s*\(\s*\))?|(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w$.-]+)(?:\s*@\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w$.%-]+))?)/iy;

/** One token of code: whitespace, a comment opener, a quote, a word, `@`, a backslash pair or one character. */
export const TOKEN =
  /([ \t\r\n\f]+)|(--(?=[ \t\r\n\f]|$)[^\n]*|#[^\n]*)|(\/\*(?:M?!\d*)?)|(\*\/)|(['"`])|([A-Za-z0-9_$\x80-\xff]+)|([\s\S])/y;

/** Character codes the scanner looks for. */
export const Char = {
  QUOTE: 0x27,
  DQUOTE: 0x22,
  BACKTICK: 0x60,
  BACKSLASH: 0x5c,
  SEMICOLON: 0x3b,
  HASH: 0x23,
  DASH: 0x2d,
  SLASH: 0x2f,
  STAR: 0x2a,
} as const;

/** Whitespace as MySQL's `--` comment wants after it (end of text counts). */
export const isSpace = (c: number) =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || Number.isNaN(c);

/** Where the string or identifier opened before `from` closes, or -1 when it runs past the text. */
export function closingQuote(text: string, from: number, quote: number): number {
  const ch = String.fromCharCode(quote);
  let i = from;
  while (true) {
    const at = text.indexOf(ch, i);
    if (at < 0) return -1;
    let slashes = 0;
    while (quote !== Char.BACKTICK && at - slashes - 1 >= from && text.charCodeAt(at - slashes - 1) === Char.BACKSLASH)
      slashes++;
    if (slashes % 2 === 1) i = at + 1;
    else if (text.charCodeAt(at + 1) === quote) i = at + 2;
    else return at;
  }
}

/** How many times `ch` occurs in `text` between `from` and `to`. */
export function count(text: string, ch: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf(ch, from); at >= 0 && at < to; at = text.indexOf(ch, at + 1)) n++;
  return n;
}
