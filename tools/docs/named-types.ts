import { isDeepStrictEqual } from 'node:util';
import {
  DurationSchema,
  formatDuration,
  RatioSchema,
  SecretRefSchema,
  SizeSchema,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

type JsonSchema = Record<string, unknown>;

/** A value type of the estate that YAML writes as text the schema parses (a duration, a size…). */
export interface NamedType {
  /** The name the reference prints as the key's type, and the JSON Schema `title`. */
  name: string;
  schema: z.ZodMiniType;
  /** How it is written, for the reference's table of value types. */
  writtenAs: string;
  /** Its JSON Schema (the input side: what a YAML file holds); none keeps what zod emits. */
  json?: JsonSchema;
}

const SIZE_TEXT = '^\\s*\\d+(\\.\\d+)?\\s*(([kKmMgGtT][iI]?)?[bB])?\\s*$';

/** The value types the reference names instead of spelling out their JSON shape. */
export const NAMED_TYPES: readonly NamedType[] = [
  {
    name: 'duration',
    schema: DurationSchema,
    writtenAs: '`26h`, `1h30m`, `500ms`, `7d`: numbers with a unit (`ms`, `s`, `m`, `h`, `d`, `w`), one after another',
    json: { type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+\\s*$' },
  },
  {
    name: 'size',
    schema: SizeSchema,
    writtenAs:
      '`1MiB`, `200MB`, `512kB`, or a number of bytes (`kB`/`MB`/`GB`/`TB` are powers of 1000, `KiB`… of 1024)',
    json: {
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', pattern: SIZE_TEXT },
      ],
    },
  },
  {
    name: 'ratio',
    schema: RatioSchema,
    writtenAs: 'a number in (0, 1] like `0.01`, or a percentage like `"1%"`',
    json: {
      anyOf: [
        { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' },
      ],
    },
  },
  {
    name: 'secret reference',
    schema: SecretRefSchema,
    writtenAs:
      '`{ env: NAME }` (an environment variable) or `{ secret: projects/P/secrets/S/versions/V }` (Secret Manager, cached 5 minutes); never the value itself',
  },
];

// A refined copy of a schema (`DurationSchema.refine(…)`) keeps the original as its parent.
function origin(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current._zod.parent) current = current._zod.parent;
  return current;
}

/** The named type a schema is, or a refinement of; undefined for any other schema. */
export function namedTypeOf(schema: z.core.$ZodType): NamedType | undefined {
  const base = origin(schema);
  return NAMED_TYPES.find((t) => t.schema === base);
}

const SIZE_UNITS = [
  ['TiB', 1024 ** 4],
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
] as const;

function formatSize(bytes: number): string | number {
  const unit = SIZE_UNITS.find(([, size]) => bytes >= size && bytes % size === 0);
  return unit ? `${bytes / unit[1]}${unit[0]}` : bytes;
}

function inputOf(schema: z.core.$ZodType, value: unknown): unknown {
  const named = namedTypeOf(schema);
  if (named?.name === 'duration' && typeof value === 'number') return formatDuration(value);
  if (named?.name === 'size' && typeof value === 'number') return formatSize(value);
  if (
    schema instanceof z.ZodMiniDefault ||
    schema instanceof z.ZodMiniPrefault ||
    schema instanceof z.ZodMiniOptional ||
    schema instanceof z.ZodMiniNullable
  ) {
    return inputOf(schema._zod.def.innerType as z.core.$ZodType, value);
  }
  if (schema instanceof z.ZodMiniObject && value && typeof value === 'object' && !Array.isArray(value)) {
    const shape = schema.shape as Record<string, z.core.$ZodType>;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shape[key] ? inputOf(shape[key], item) : item]),
    );
  }
  if (schema instanceof z.ZodMiniArray && Array.isArray(value))
    return value.map((item) => inputOf(schema._zod.def.element, item));
  return value;
}

/** Whether YAML `input` parses, through `inner`, to exactly `value`. */
export function parsesTo(inner: z.core.$ZodType, input: unknown, value: unknown): boolean {
  const parsed = z.safeParse(inner, input);
  return parsed.success && isDeepStrictEqual(parsed.data, value);
}

/**
 * How a default that zod holds as its parsed value (`900000` for `15m`) is written in YAML; undefined when
 * it cannot be written back (a transform the reference does not know), checked by parsing it again.
 */
export function yamlDefault(inner: z.core.$ZodType, value: unknown): unknown {
  const input = inputOf(inner, value);
  return parsesTo(inner, input, value) ? input : undefined;
}
