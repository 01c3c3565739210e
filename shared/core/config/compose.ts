import * as z from '../schema/index.js';
import {
  baseEstateIssues,
  type EstateBase,
  type EstateBaseInput,
  EstateBaseSchema,
  type EstateContext,
} from './estate.js';
import type { ConfigIssue } from './references.js';

/**
 * The config sections functions add to the estate, by key: each function's `config.ts` adds its own with
 * `declare module` (`interface EstateSections { backups: typeof BackupsSchema }`), so `ctx.config.backups`
 * is typed while this module names no function.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from each function's config.ts
export interface EstateSections {}

/** The key of a section some function contributes. */
export type SectionKey = keyof EstateSections;

type SectionOutputs = { [K in SectionKey]: z.output<EstateSections[K]> };
type MaybeAbsent<T> = { [K in keyof T]: undefined extends T[K] ? K : never }[keyof T];
type OptionalWhereAbsent<T> = { [K in Exclude<keyof T, MaybeAbsent<T>>]: T[K] } & { [K in MaybeAbsent<T>]?: T[K] };

/** The validated estate (`opsfn.yaml`), with every default filled in. */
export type Estate = EstateBase & OptionalWhereAbsent<SectionOutputs>;
/** The estate as written in YAML, before defaults. */
export type EstateInput = EstateBaseInput & { [K in SectionKey]?: z.input<EstateSections[K]> };

/** The schema of the whole estate, composed from the base keys and the sections of the registered functions. */
export type EstateSchema = z.ZodMiniType<Estate, EstateInput>;

/** What one function adds to the estate: its section's key and schema, and its cross-reference checks. */
export interface ConfigSection<K extends SectionKey = SectionKey> {
  key: K;
  schema: EstateSections[K];
  /**
   * Problems between this section and the rest of the parsed estate (paths from the estate's root), each naming
   * the key path and, for a name that is not there, the names that are.
   */
  check?(estate: Estate, context: EstateContext): ConfigIssue[];
}

/** Any function's section, as a list of sections holds them. */
export type AnyConfigSection = { [K in SectionKey]: ConfigSection<K> }[SectionKey];

/** Options of {@link composeEstateSchema}. */
export interface ComposeOptions {
  /**
   * Keys of sections that are allowed but not validated: those of functions a process does not run. One
   * invocation loads and checks only its own section; `opsfn config validate` checks them all. `'any'`
   * allows every other key (a job's process, which reads only the config paths its task names).
   */
  unchecked?: readonly string[] | 'any';
}

// Every key of EstateContext, and nothing else: the compiler keeps this list whole.
const CONTEXT_KEYS: ReadonlySet<string> = new Set(
  Object.keys({ jobs: true, jobsFrom: true, functions: true } satisfies Record<keyof EstateContext, true>),
);

/**
 * Composes the estate schema: the base keys, then each section under its key, strict about unknown keys;
 * each section's checks run on the parsed estate in the given order, then the base's own. `context` (the
 * packaged jobs, the registered functions) lets them check schedule overrides and function names too.
 */
export function composeEstateSchema(
  sections: readonly AnyConfigSection[],
  context: EstateContext = {},
  options: ComposeOptions = {},
): EstateSchema {
  // A bundle's entry calls this from generated text no type check reads: options passed where the context goes
  // would otherwise be ignored, and every other function's section refused as an unknown key.
  const stray = Object.keys(context).filter((key) => !CONTEXT_KEYS.has(key));
  if (stray.length > 0) {
    throw new Error(`estate context has unknown keys ${stray.join(', ')} (composition options are the third argument)`);
  }
  const shape: Record<string, z.ZodMiniType> = { ...EstateBaseSchema.shape };
  for (const section of sections) {
    if (section.key in shape) throw new Error(`config section "${section.key}" is already a key of the estate`);
    shape[section.key] = section.schema as z.ZodMiniType;
  }
  const unchecked = options.unchecked ?? [];
  for (const key of unchecked === 'any' ? [] : unchecked) {
    if (!(key in shape)) shape[key] = z.optional(z.unknown());
  }
  const object = unchecked === 'any' ? z.looseObject(shape) : z.strictObject(shape);
  const schema = object.check(
    z.superRefine((parsed, ctx) => {
      const estate = parsed as Estate;
      const issues = [
        ...sections.flatMap((section) => section.check?.(estate, context) ?? []),
        ...baseEstateIssues(estate, context),
      ];
      for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
    }),
  );
  return schema as unknown as EstateSchema;
}
