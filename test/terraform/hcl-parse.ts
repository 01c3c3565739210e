// A parser for the HCL expression syntax Terraform configurations use (hashicorp/hcl `hclsyntax/spec.md`):
// literals, templates, traversals, operators, conditionals, function calls, tuples, objects and `for`
// expressions. No Terraform binary can run here, so tests evaluate validations and locals with it.

/** A parsed HCL expression. */
export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'tpl'; parts: (string | Node)[] }
  | { t: 'ref'; name: string }
  | { t: 'get'; of: Node; key: Node }
  | { t: 'call'; fn: string; args: Node[]; expand: boolean }
  | { t: 'un'; op: string; x: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'tuple'; items: Node[] }
  | { t: 'object'; items: [Node, Node][] }
  | { t: 'for'; k?: string; v: string; coll: Node; key?: Node; val: Node; cond?: Node; group: boolean };

type Tok = { k: 'num' | 'str' | 'id' | 'p' | 'nl' | 'end'; s: string };

const PUNCT = ['...', '==', '!=', '<=', '>=', '&&', '||', '=>', ...'+-*/%<>!?:.,[](){}='];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      out.push({ k: 'nl', s: c });
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#' || src.startsWith('//', i)) while (i < src.length && src[i] !== '\n') i++;
    else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))?.[0] ?? c;
      out.push({ k: 'num', s: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))?.[0] ?? c;
      out.push({ k: 'id', s: m });
      i += m.length;
    } else if (c === '"') {
      const end = stringEnd(src, i + 1);
      out.push({ k: 'str', s: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const p = PUNCT.find((x) => src.startsWith(x, i));
      if (!p) throw new Error(`unexpected "${c}" in HCL expression`);
      out.push({ k: 'p', s: p });
      i += p.length;
    }
  }
  out.push({ k: 'end', s: '' });
  return out;
}

/** The index of the closing quote of a string starting at `i`, skipping escapes and interpolations. */
function stringEnd(src: string, i: number): number {
  while (i < src.length) {
    if (src[i] === '\\') i += 2;
    else if (src.startsWith('$${', i)) i += 3;
    else if (src.startsWith('${', i)) i = interpolationEnd(src, i + 2) + 1;
    else if (src[i] === '"') return i;
    else i++;
  }
  throw new Error('unterminated string in HCL expression');
}

function interpolationEnd(src: string, i: number): number {
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') i = stringEnd(src, i + 1) + 1;
    else if (c === '}' && depth === 0) return i;
    else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      i++;
    }
  }
  throw new Error('unterminated interpolation in HCL template');
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

/** Parses template text (a quoted string's body, or an attribute as hcl2json renders it) into parts. */
export function parseTemplate(src: string, escapes = true): Node {
  const parts: (string | Node)[] = [];
  let text = '';
  let i = 0;
  while (i < src.length) {
    if (escapes && src[i] === '\\') {
      const e = src[i + 1] ?? '';
      if (e === 'u') {
        text += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        text += ESCAPES[e] ?? e;
        i += 2;
      }
    } else if (src.startsWith('$${', i)) {
      text += '${';
      i += 3;
    } else if (src.startsWith('${', i)) {
      const end = interpolationEnd(src, i + 2);
      if (text) parts.push(text);
      text = '';
      parts.push(parseExpression(src.slice(i + 2, end).replace(/^~|~$/g, '')));
      i = end + 1;
    } else text += src[i++];
  }
  if (text || parts.length === 0) parts.push(text);
  return { t: 'tpl', parts };
}

const BINARY: [string[], number][] = [
  [['||'], 1],
  [['&&'], 2],
  [['==', '!='], 3],
  [['<', '<=', '>', '>='], 4],
  [['+', '-'], 5],
  [['*', '/', '%'], 6],
];

/** Parses one HCL expression. */
export function parseExpression(src: string): Node {
  const toks = tokenize(src);
  let at = 0;
  // Newlines end items of an object constructor; inside parentheses and brackets they are blanks.
  const newlines: boolean[] = [false];
  const peek = (): Tok => {
    while (toks[at]?.k === 'nl' && !newlines.at(-1)) at++;
    return toks[at] as Tok;
  };
  const next = (): Tok => {
    const t = peek();
    at++;
    return t;
  };
  const is = (s: string) => peek().k === 'p' && peek().s === s;
  const expect = (s: string) => {
    const t = next();
    if (t.s !== s) throw new Error(`expected "${s}", got "${t.s}" in ${src}`);
  };
  const skipNl = () => {
    while (toks[at]?.k === 'nl') at++;
  };
  const inside = <T>(significant: boolean, fn: () => T): T => {
    newlines.push(significant);
    try {
      return fn();
    } finally {
      newlines.pop();
    }
  };

  function expr(): Node {
    const c = binary(1);
    if (!is('?')) return c;
    next();
    const a = expr();
    expect(':');
    return { t: 'cond', c, a, b: expr() };
  }

  function binary(level: number): Node {
    if (level > BINARY.length) return unary();
    let a = binary(level + 1);
    const ops = BINARY[level - 1]?.[0] ?? [];
    while (peek().k === 'p' && ops.includes(peek().s)) {
      const op = next().s;
      a = { t: 'bin', op, a, b: binary(level + 1) };
    }
    return a;
  }

  function unary(): Node {
    if (is('!') || is('-')) return { t: 'un', op: next().s, x: unary() };
    return postfix(primary());
  }

  function postfix(node: Node): Node {
    for (;;) {
      if (is('.')) {
        next();
        const t = next();
        node = { t: 'get', of: node, key: { t: 'lit', v: t.k === 'num' ? Number(t.s) : t.s } };
      } else if (is('[')) {
        next();
        const key = inside(false, expr);
        expect(']');
        node = { t: 'get', of: node, key };
      } else return node;
    }
  }

  function primary(): Node {
    const t = next();
    if (t.k === 'num') return { t: 'lit', v: Number(t.s) };
    if (t.k === 'str') return parseTemplate(t.s);
    if (t.k === 'id') {
      if (t.s === 'true' || t.s === 'false') return { t: 'lit', v: t.s === 'true' };
      if (t.s === 'null') return { t: 'lit', v: null };
      if (is('(')) return call(t.s);
      return { t: 'ref', name: t.s };
    }
    if (t.s === '(') {
      const e = inside(false, expr);
      expect(')');
      return e;
    }
    if (t.s === '[') return inside(false, tuple);
    if (t.s === '{') return object();
    throw new Error(`unexpected "${t.s}" in ${src}`);
  }

  function call(fn: string): Node {
    expect('(');
    return inside(false, () => {
      const args: Node[] = [];
      let expand = false;
      while (!is(')')) {
        args.push(expr());
        if (is('...')) {
          next();
          expand = true;
        }
        if (is(',')) next();
      }
      next();
      return { t: 'call', fn, args, expand };
    });
  }

  function tuple(): Node {
    if (peek().k === 'id' && peek().s === 'for') return forExpr(']');
    const items: Node[] = [];
    while (!is(']')) {
      items.push(expr());
      if (is(',')) next();
    }
    next();
    return { t: 'tuple', items };
  }

  function object(): Node {
    skipNl();
    if (peek().k === 'id' && peek().s === 'for') return inside(false, () => forExpr('}'));
    return inside(true, () => {
      const items: [Node, Node][] = [];
      for (skipNl(); !is('}'); skipNl()) {
        const k = peek();
        let key: Node;
        if (k.k === 'id') {
          next();
          key = { t: 'lit', v: k.s };
        } else key = inside(false, expr);
        if (!is('=') && !is(':')) throw new Error(`expected "=" after an object key in ${src}`);
        next();
        items.push([key, inside(false, expr)]);
        if (is(',')) next();
      }
      next();
      return { t: 'object', items };
    });
  }

  function forExpr(close: string): Node {
    next();
    const first = next().s;
    let k: string | undefined;
    let v = first;
    if (is(',')) {
      next();
      k = first;
      v = next().s;
    }
    if (next().s !== 'in') throw new Error(`expected "in" in ${src}`);
    const coll = expr();
    expect(':');
    let key: Node | undefined;
    let val = expr();
    if (close === '}') {
      expect('=>');
      key = val;
      val = expr();
    }
    const group = is('...');
    if (group) next();
    let cond: Node | undefined;
    if (peek().k === 'id' && peek().s === 'if') {
      next();
      cond = expr();
    }
    expect(close);
    return { t: 'for', ...(k ? { k } : {}), v, coll, ...(key ? { key } : {}), val, ...(cond ? { cond } : {}), group };
  }

  const result = inside(false, expr);
  if (peek().k !== 'end') throw new Error(`unexpected "${peek().s}" after the expression in ${src}`);
  return result;
}
