import { afterApply, evaluate, evaluateAttribute } from './hcl-eval.js';
import { type Node, parseExpression, parseTemplate } from './hcl-parse.js';
import type { TerraformModule } from './load-terraform.js';

// Plans the parts of a module a test asks about without Terraform: input variables converted to their type
// constraints (optional attributes get their defaults, unknown or missing ones are errors), their
// validations, and locals evaluated lazily from those variables.

type Type =
  | { k: 'any' }
  | { k: 'object'; attrs: Record<string, { type: Type; optional: boolean; default: unknown }> }
  | { k: 'collection'; elem: Type };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(n: Node, dir: string): Type {
  if (n.t === 'tpl' && n.parts.length === 1 && typeof n.parts[0] !== 'string') return typeOf(n.parts[0] as Node, dir);
  if (n.t === 'ref') return { k: 'any' };
  if (n.t === 'call' && (n.fn === 'map' || n.fn === 'list' || n.fn === 'set')) {
    return { k: 'collection', elem: typeOf(n.args[0] as Node, dir) };
  }
  if (n.t === 'call' && n.fn === 'object' && n.args[0]?.t === 'object') {
    const attrs: Extract<Type, { k: 'object' }>['attrs'] = {};
    for (const [key, value] of n.args[0].items) {
      const name = String(evaluate(key, () => undefined, dir));
      const optional = value.t === 'call' && value.fn === 'optional';
      const inner = optional ? (value.args[0] as Node) : value;
      const fallback = optional && value.args[1] ? evaluate(value.args[1], () => undefined, dir) : null;
      attrs[name] = { type: typeOf(inner, dir), optional, default: fallback };
    }
    return { k: 'object', attrs };
  }
  return { k: 'any' };
}

function convert(value: unknown, type: Type, where: string): unknown {
  if (value === null || value === undefined || type.k === 'any') return value ?? null;
  if (type.k === 'collection') {
    if (Array.isArray(value)) return value.map((v, i) => convert(v, type.elem, `${where}[${i}]`));
    if (!isObject(value)) throw new Error(`${where}: expected a collection`);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, type.elem, `${where}.${k}`)]));
  }
  if (!isObject(value)) throw new Error(`${where}: expected an object`);
  const extra = Object.keys(value).filter((k) => !(k in type.attrs));
  if (extra.length > 0) throw new Error(`${where}: unexpected attribute ${extra.join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const [name, attr] of Object.entries(type.attrs)) {
    if (name in value) out[name] = convert(value[name], attr.type, `${where}.${name}`);
    else if (attr.optional) out[name] = convert(attr.default, attr.type, `${where}.${name}`);
    else throw new Error(`${where}: attribute ${name} is required`);
  }
  return out;
}

/** A view of `module` as Terraform would plan it with the input variables `given`. */
export function planModule(module: TerraformModule, given: Record<string, unknown> = {}) {
  const dir = module.dir;
  const variable = (name: string): unknown => {
    const body = module.variables[name];
    if (!body) throw new Error(`no variable ${name}`);
    const type = typeof body.type === 'string' ? typeOf(parseTemplate(body.type, false), dir) : { k: 'any' as const };
    const value = name in given ? given[name] : 'default' in body ? body.default : undefined;
    if (value === undefined) throw new Error(`variable ${name} is required`);
    return convert(value, type, `var.${name}`);
  };
  const memo = new Map<string, unknown>();
  const lazy = (get: (name: string) => unknown, has: (name: string) => boolean) =>
    new Proxy(
      {},
      {
        has: (_, k) => typeof k === 'string' && has(k),
        get: (_, k) => (typeof k === 'string' ? get(k) : undefined),
      },
    );
  const scope = (name: string): unknown => {
    if (name === 'var') return lazy(variable, (n) => n in module.variables);
    if (name === 'local') return lazy(local, (n) => n in module.locals);
    if (name === 'path') return { module: dir, root: dir, cwd: dir };
    if (/^google_/.test(name) || name === 'data' || name === 'module') return afterApply();
    throw new Error(`${name} is not a name Terraform knows`);
  };
  function local(name: string): unknown {
    if (!memo.has(name)) memo.set(name, evaluateAttribute(module.locals[name], scope, dir));
    return memo.get(name);
  }
  return {
    variable,
    local,
    /**
     * Evaluates an attribute of the module as hcl2json renders it, for one instance of a `for_each` when `each`
     * is given; resource attributes evaluate to a value known only after apply.
     */
    attribute: (value: unknown, each?: { key: string; value: unknown }) =>
      evaluateAttribute(value, (n) => (n === 'each' && each ? each : scope(n)), dir),
    /** The error messages of the validations of variable `name` that reject its value (or fail to evaluate). */
    rejects(name: string): string[] {
      const body = module.variables[name];
      const value = variable(name);
      // Terraform before 1.9 lets a validation refer to its own variable only.
      const own = (n: string): unknown => {
        if (n === 'var') return { [name]: value };
        throw new Error(`a validation of ${name} refers to ${n}`);
      };
      return ((body?.validation ?? []) as { condition: string; error_message: string }[])
        .filter((v) => {
          try {
            return evaluate(parseExpression(v.condition.replace(/^\$\{([\s\S]*)\}$/, '$1')), own, dir) !== true;
          } catch {
            return true;
          }
        })
        .map((v) => v.error_message);
    },
  };
}
