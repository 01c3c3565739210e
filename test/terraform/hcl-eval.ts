import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { type Node, parseTemplate } from './hcl-parse.js';

// Evaluates HCL expressions the way Terraform does for the parts this repository uses: `&&` and `||`
// evaluate both sides (Terraform before 1.12 does not short-circuit), a missing attribute or index is an
// error that only `can`/`try` catch, maps and objects iterate in key order, and a reference to anything
// not given (a resource attribute) is an error, so a test sees every expression it did not mean to reach.

type Value = unknown;
type Scope = (name: string) => Value;

const UNKNOWN = Symbol('known after apply');

/** A value known only after apply (a resource attribute): any attribute of it, and anything computed from it, is too. */
export function afterApply(): Value {
  return new Proxy(
    {},
    {
      has: () => true,
      get: (_, k) =>
        k === UNKNOWN ? true : k === Symbol.toPrimitive || k === 'toJSON' ? () => '(known after apply)' : afterApply(),
    },
  );
}

/** Whether a value is known only after apply. */
export function isUnknown(v: Value): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[UNKNOWN] === true;
}

const sorted = (o: object) => Object.keys(o).sort();
const isObject = (v: Value): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(message: string): never {
  throw new Error(message);
}

function regexMatch(pattern: string, s: string): Value {
  const m = new RegExp(pattern).exec(s);
  if (!m) fail(`regex "${pattern}" does not match "${s}"`);
  if (m.groups) return { ...m.groups };
  return m.length > 1 ? m.slice(1) : m[0];
}

function entries(coll: Value): [Value, Value][] {
  if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
  if (isObject(coll)) return sorted(coll).map((k) => [k, coll[k]]);
  return fail(`cannot iterate over ${JSON.stringify(coll)}`);
}

/** Terraform functions used by this repository's configuration, plus `file`/`fileset` relative to `dir`. */
function functions(dir: string): Record<string, (...a: Value[]) => Value> {
  const str = (v: Value) => (typeof v === 'string' ? v : fail(`expected a string, got ${JSON.stringify(v)}`));
  const list = (v: Value) => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : fail('expected a list'));
  return {
    regex: (p, s) => regexMatch(str(p), str(s)),
    regexall: (p, s) => [...str(s).matchAll(new RegExp(str(p), 'g'))].map((m) => (m.length > 1 ? m.slice(1) : m[0])),
    alltrue: (l) => list(l).every((x) => x === true),
    anytrue: (l) => list(l).some((x) => x === true),
    contains: (l, v) => list(l).some((x) => isDeepStrictEqual(x, v)),
    keys: (o) => (isObject(o) ? sorted(o) : fail('keys of a non-object')),
    values: (o) => (isObject(o) ? sorted(o).map((k) => o[k]) : fail('values of a non-object')),
    length: (v) => (typeof v === 'string' ? v.length : list(v).length),
    tonumber: (v) => (v === null ? null : Number.isFinite(Number(v)) ? Number(v) : fail(`tonumber("${v}")`)),
    tostring: (v) => (v === null ? null : String(v)),
    lower: (s) => str(s).toLowerCase(),
    upper: (s) => str(s).toUpperCase(),
    replace: (s, a, b) => str(s).split(str(a)).join(str(b)),
    trimsuffix: (s, x) => (str(s).endsWith(str(x)) ? str(s).slice(0, -str(x).length) : s),
    trimprefix: (s, x) => (str(s).startsWith(str(x)) ? str(s).slice(str(x).length) : s),
    startswith: (s, x) => str(s).startsWith(str(x)),
    endswith: (s, x) => str(s).endsWith(str(x)),
    join: (sep, l) => list(l).join(str(sep)),
    coalesce: (...a) => a.find((x) => x !== null && x !== '') ?? fail('coalesce: no non-null argument'),
    merge: (...a) => Object.assign({}, ...a.filter((x) => x !== null)),
    concat: (...a) => a.flatMap((x) => list(x)),
    flatten: (l) => list(l).flat(Number.POSITIVE_INFINITY),
    distinct: (l) => list(l).filter((x, i, all) => all.findIndex((y) => isDeepStrictEqual(x, y)) === i),
    toset: (l) => [...new Set(list(l))].sort(),
    setsubtract: (a, b) => [...new Set(list(a))].filter((x) => !list(b).some((y) => isDeepStrictEqual(x, y))).sort(),
    trimspace: (s) => str(s).trim(),
    tolist: (l) => list(l),
    tomap: (o) => o,
    compact: (l) => list(l).filter((x) => x !== null && x !== ''),
    sum: (l) => list(l).reduce((a: number, b) => a + Number(b), 0),
    ceil: (n) => Math.ceil(Number(n)),
    floor: (n) => Math.floor(Number(n)),
    min: (...a) => Math.min(...a.map(Number)),
    max: (...a) => Math.max(...a.map(Number)),
    lookup: (o, k, d) => (isObject(o) && str(k) in o ? o[str(k)] : d),
    setproduct: (a, b) => list(a).flatMap((x) => list(b).map((y) => [x, y])),
    cidrnetmask: (c) =>
      /^(\d{1,3}\.){3}\d{1,3}\/([0-9]|[12][0-9]|3[0-2])$/.test(str(c)) ? 'mask' : fail(`invalid CIDR ${c}`),
    file: (p) => readFileSync(str(p).startsWith('/') ? str(p) : join(dir, str(p)), 'utf8'),
    fileset: (d, pattern) => {
      const re = new RegExp(`^${str(pattern).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
      return readdirSync(str(d))
        .filter((f) => re.test(f))
        .sort();
    },
    // Terraform's yamldecode reads YAML 1.1 (go-cty-yaml): a plain yes/no/on/off/y/n is a boolean there.
    yamldecode: (s) => parseYaml(str(s), { version: '1.1' }),
    jsonencode: (v) => JSON.stringify(v),
    base64encode: (s) => Buffer.from(str(s)).toString('base64'),
    filesha256: () => 'sha256',
  };
}

/** Evaluates parsed HCL against `scope` (names like `var`, `local`, `path`, `each`). */
export function evaluate(node: Node, scope: Scope, dir: string): Value {
  const fns = functions(dir);
  const ev = (n: Node, s: Scope): Value => {
    switch (n.t) {
      case 'lit':
        return n.v;
      case 'tpl': {
        if (n.parts.length === 1 && typeof n.parts[0] !== 'string') return ev(n.parts[0] as Node, s);
        const parts = n.parts.map((p) => (typeof p === 'string' ? p : ev(p, s)));
        return parts.some(isUnknown) ? afterApply() : parts.map(String).join('');
      }
      case 'ref':
        return s(n.name);
      case 'get': {
        const of = ev(n.of, s);
        const key = ev(n.key, s);
        if (isUnknown(of) || isUnknown(key)) return afterApply();
        if (Array.isArray(of) && typeof key === 'number' && key < of.length) return of[key];
        if (isObject(of) && typeof key === 'string' && key in of) return of[key];
        return fail(`no ${JSON.stringify(key)} in ${JSON.stringify(of)?.slice(0, 200)}`);
      }
      case 'call': {
        if (n.fn === 'can' || n.fn === 'try') {
          for (const arg of n.args) {
            try {
              const v = ev(arg, s);
              return n.fn === 'can' ? true : v;
            } catch {
              // Tried in order: the first argument that evaluates wins.
            }
          }
          return n.fn === 'can' ? false : fail('try: no argument evaluated');
        }
        const fn = fns[n.fn] ?? fail(`unsupported function ${n.fn}()`);
        const args = n.args.map((a) => ev(a, s));
        if (args.some(isUnknown)) return afterApply();
        return fn(...(n.expand ? [...args.slice(0, -1), ...(args.at(-1) as Value[])] : args));
      }
      case 'un': {
        const x = ev(n.x, s);
        return n.op === '!' ? x !== true : -Number(x);
      }
      case 'bin': {
        const a = ev(n.a, s);
        const b = ev(n.b, s);
        if (isUnknown(a) || isUnknown(b)) return afterApply();
        const num = (v: Value) => (typeof v === 'number' ? v : fail(`${n.op} needs numbers, got ${JSON.stringify(v)}`));
        const ops: Record<string, () => Value> = {
          '||': () => a === true || b === true,
          '&&': () => a === true && b === true,
          '==': () => isDeepStrictEqual(a, b),
          '!=': () => !isDeepStrictEqual(a, b),
          '<': () => num(a) < num(b),
          '<=': () => num(a) <= num(b),
          '>': () => num(a) > num(b),
          '>=': () => num(a) >= num(b),
          '+': () => num(a) + num(b),
          '-': () => num(a) - num(b),
          '*': () => num(a) * num(b),
          '/': () => num(a) / num(b),
          '%': () => num(a) % num(b),
        };
        return (ops[n.op] ?? (() => fail(`operator ${n.op}`)))();
      }
      case 'cond': {
        const c = ev(n.c, s);
        return isUnknown(c) ? afterApply() : c === true ? ev(n.a, s) : ev(n.b, s);
      }
      case 'tuple':
        return n.items.map((i) => ev(i, s));
      case 'object':
        return Object.fromEntries(n.items.map(([k, v]) => [String(ev(k, s)), ev(v, s)]));
      case 'for': {
        const out: [Value, Value][] = [];
        const coll = ev(n.coll, s);
        if (isUnknown(coll)) return afterApply();
        for (const [k, v] of entries(coll)) {
          const inner: Scope = (name) => (name === n.v ? v : name === n.k ? k : s(name));
          if (n.cond && ev(n.cond, inner) !== true) continue;
          out.push([n.key ? ev(n.key, inner) : undefined, ev(n.val, inner)]);
        }
        if (!n.key) return out.map(([, v]) => v);
        const result: Record<string, Value> = {};
        for (const [k, v] of out) {
          if (n.group) result[String(k)] = [...((result[String(k)] as Value[] | undefined) ?? []), v];
          else if (String(k) in result) fail(`duplicate key ${String(k)} in a for expression`);
          else result[String(k)] = v;
        }
        return result;
      }
    }
  };
  return ev(node, scope);
}

/** Evaluates an attribute as hcl2json renders it (`"${expr}"`, a template, or a plain JSON value). */
export function evaluateAttribute(value: Value, scope: Scope, dir: string): Value {
  if (typeof value === 'string') return evaluate(parseTemplate(value, false), scope, dir);
  if (Array.isArray(value)) return value.map((v) => evaluateAttribute(v, scope, dir));
  if (isObject(value))
    return Object.fromEntries(sorted(value).map((k) => [k, evaluateAttribute(value[k], scope, dir)]));
  return value;
}
