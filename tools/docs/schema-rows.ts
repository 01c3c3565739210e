import type { JsonSchema } from './estate-json-schema.js';

/** One key of the estate as the reference lists it. */
export interface Row {
  /** Its full path: `guard.rateLimit.perTarget.max`, `services.<name>.project`, `auth.tokens[].name`. */
  path: string;
  /** The form it belongs to when its parent is one of several (`compose` of `services.<name>`). */
  form: string | undefined;
  node: JsonSchema;
  required: boolean;
}

/** The keys of one object, or of one form of a union of objects, listed under one heading. */
export interface Block {
  /** The object's path, the root of every row's path. */
  path: string;
  /** Which form of the union this block lists (`platform: compose`), when it is one. */
  form?: { id: string; label: string };
  rows: Row[];
}

function asNode(value: unknown): JsonSchema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/** The alternatives of a union node (`anyOf`, or `oneOf` for a discriminated union). */
export function alternatives(node: JsonSchema): JsonSchema[] | undefined {
  const alts = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  return alts?.map((alt) => asNode(alt) ?? {});
}

function properties(node: JsonSchema): Record<string, JsonSchema> | undefined {
  return asNode(node.properties) as Record<string, JsonSchema> | undefined;
}

/** The key all object forms of a union fix to a constant (`platform`, `kind`, `type`, `step`), if any. */
function discriminator(forms: JsonSchema[]): string | undefined {
  const first = properties(forms[0] ?? {}) ?? {};
  return Object.keys(first).find((key) =>
    forms.every((form) => (properties(form)?.[key] as JsonSchema | undefined)?.const !== undefined),
  );
}

function formsOf(forms: JsonSchema[]): { id: string; label: string; node: JsonSchema }[] {
  const key = discriminator(forms);
  return forms.map((node) => {
    const props = properties(node) ?? {};
    const keys = Object.keys(props);
    if (key) {
      const value = String((props[key] as JsonSchema).const);
      return { id: value, label: `\`${key}: ${value}\``, node };
    }
    return { id: keys[0] ?? '', label: `\`{ ${keys.join(', ')} }\``, node };
  });
}

/** Walks the schema of one top-level key into blocks: the key's own, then one per form of a union of objects. */
export function blocksOf(path: string, node: JsonSchema): Block[] {
  const blocks: Block[] = [];
  const walk = (block: Block, at: string, current: JsonSchema): void => {
    if (current.title !== undefined) return;
    const alts = alternatives(current);
    if (alts) {
      const objects = alts.filter((alt) => properties(alt) !== undefined);
      if (objects.length === 1 && objects[0]) walk(block, at, objects[0]);
      if (objects.length > 1) {
        for (const form of formsOf(objects)) {
          const sub: Block = { path: at, form: { id: form.id, label: form.label }, rows: [] };
          blocks.push(sub);
          walk(sub, at, form.node);
        }
      }
      return;
    }
    const props = properties(current);
    if (props) {
      const required = new Set((current.required as string[] | undefined) ?? []);
      for (const [key, child] of Object.entries(props)) {
        const childPath = `${at}.${key}`;
        block.rows.push({ path: childPath, form: block.form?.id, node: child, required: required.has(key) });
        walk(block, childPath, child);
      }
      return;
    }
    const values = asNode(current.additionalProperties);
    if (values) walk(block, `${at}.<name>`, values);
    const items = asNode(current.items);
    if (items) walk(block, `${at}[]`, items);
  };
  const own: Block = { path, rows: [] };
  blocks.push(own);
  walk(own, path, node);
  return blocks.filter((block) => block.rows.length > 0);
}
