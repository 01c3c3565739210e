import type { JsonSchema } from './estate-json-schema.js';
import { alternatives } from './schema-rows.js';

const FORMATS: Record<string, string> = { uri: 'URL', 'date-time': 'RFC 3339 time', email: 'email address' };

function bounds(node: JsonSchema): string {
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  const above = node.exclusiveMinimum as number | undefined;
  const top = max === undefined || max >= Number.MAX_SAFE_INTEGER ? undefined : max;
  if (above !== undefined) return top === undefined ? ` > ${above}` : ` > ${above}, ≤ ${top}`;
  if (min !== undefined && top !== undefined) return ` ${min}–${top}`;
  if (min !== undefined) return ` ≥ ${min}`;
  return top === undefined ? '' : ` ≤ ${top}`;
}

function unique(texts: string[]): string[] {
  return [...new Set(texts)];
}

/** A key's type in words: `duration`, `list of string`, `` `min` \| `max` ``, `map of object`… */
export function typeText(node: JsonSchema): string {
  if (typeof node.title === 'string') return node.title;
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (Array.isArray(node.enum)) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  const alts = alternatives(node);
  if (alts) return unique(alts.map(typeText)).join(' or ');
  if (Array.isArray(node.type)) return unique(node.type.map((type) => typeText({ type }))).join(' or ');
  switch (node.type) {
    case 'string':
      return FORMATS[node.format as string] ?? 'string';
    case 'integer':
      return `integer${bounds(node)}`;
    case 'number':
      return `number${bounds(node)}`;
    case 'boolean':
      return 'boolean';
    case 'array':
      return `list of ${typeText((node.items as JsonSchema | undefined) ?? {})}`;
    case 'object': {
      const values = node.additionalProperties;
      if (values && typeof values === 'object') return `map of ${typeText(values as JsonSchema)}`;
      return 'object';
    }
    default:
      return 'any';
  }
}

function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${flow(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return typeof value === 'string' && value === '' ? '""' : String(value);
}

/** A default as YAML flow text, in code: `` `{ max: 3, window: 1h }` ``. */
export function defaultText(value: unknown): string {
  return `\`${flow(value)}\``;
}

/** Text made safe for one cell of a Markdown table. */
export function cell(text: string): string {
  return text.replaceAll('\n', ' ').replace(/(?<!\\)\|/g, '\\|');
}
