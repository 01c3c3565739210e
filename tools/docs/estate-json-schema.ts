import * as z from '../../shared/core/schema/index.js';
import { namedTypeOf, yamlDefault } from './named-types.js';

/** A JSON Schema node as the generators read and write it. */
export type JsonSchema = Record<string, unknown>;

/** A default zod holds only as its parsed value, which the reference cannot write back by itself. */
export interface UnwrittenDefault {
  inner: z.core.$ZodType;
  value: unknown;
}

/** The `$comment` that marks a node whose default is in {@link EstateJsonSchema.unwritten}, by index. */
export const UNWRITTEN_MARK = 'opsfn:unwritten-default:';

/** The estate's JSON Schema, and the defaults it still lacks. */
export interface EstateJsonSchema {
  json: JsonSchema;
  unwritten: UnwrittenDefault[];
}

function replaceContent(target: JsonSchema, content: JsonSchema): void {
  for (const key of Object.keys(target)) if (key !== 'default') delete target[key];
  Object.assign(target, structuredClone(content));
}

/**
 * Makes zod's input-side JSON Schema say what a YAML file holds: the named value types (durations,
 * sizes, ratios, secret references) get their title and, where zod sees only a transform, their
 * pattern; a default zod keeps only as its parsed value (`900000` for `15m`) is written back as YAML.
 */
function describeInput(
  ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema },
  unwritten: UnwrittenDefault[],
): void {
  const { zodSchema, jsonSchema } = ctx;
  if (zodSchema instanceof z.ZodMiniPipe && zodSchema.def.in instanceof z.ZodMiniTransform) {
    // A preprocess turns a shorthand into its schema's shape: the estate's turn strings (`host:port`).
    const { default: given, ...shape } = jsonSchema;
    replaceContent(jsonSchema, { anyOf: [{ type: 'string' }, shape] });
    if (given !== undefined) jsonSchema.default = given;
  }
  const named = namedTypeOf(zodSchema);
  if (named) {
    if (named.json) replaceContent(jsonSchema, named.json);
    jsonSchema.title = named.name;
  }
  if (zodSchema instanceof z.ZodMiniDefault && jsonSchema.default === undefined) {
    const inner = zodSchema._zod.def.innerType as z.core.$ZodType;
    const value = zodSchema.def.defaultValue;
    const written = yamlDefault(inner, value);
    if (written !== undefined) jsonSchema.default = written;
    else jsonSchema.$comment = `${UNWRITTEN_MARK}${unwritten.push({ inner, value }) - 1}`;
  }
}

/**
 * The JSON Schema (draft-07, which editors' YAML support reads) of the estate file: the input side of
 * the zod schema, so what it checks is what a person writes. Cross-reference checks (`superRefine`)
 * have no JSON Schema form; `opsfn config validate` runs them.
 */
export function estateJsonSchema(estate: z.ZodMiniType): EstateJsonSchema {
  const unwritten: UnwrittenDefault[] = [];
  const schema = z.toJSONSchema(estate, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => describeInput({ zodSchema: ctx.zodSchema, jsonSchema: ctx.jsonSchema as JsonSchema }, unwritten),
  }) as JsonSchema;
  // A copy without shared nodes: zod reuses one node for every key of one schema, and descriptions differ per key.
  return { json: JSON.parse(JSON.stringify(schema)) as JsonSchema, unwritten };
}
