import { join } from 'node:path';
import type { AnyConfigSection, EstateContext, EstateSchema, SectionKey } from '../shared/core/config/index.js';
import type { InvokeFlag } from '../shared/core/run/index.js';
import type { CliCatalogue, CliCommand, CliCommandEntry, CliScope } from '../shared/host/cli/index.js';
import type { AnyFunction } from '../shared/host/runtime/index.js';

/**
 * One function as the registry lists it: what is known without loading it (its names, its `invoke` flags, its
 * extra commands) and how to load its config section, its definition and those commands, so a host loads
 * only what it runs.
 */
export interface FunctionDescriptor {
  /** The entry point, camelCase: the HTTP path, the Cloud Functions entry point, Terraform's catalogue key. */
  name: string;
  /** Its folder under `functions/` (the name in kebab-case): the bundle's folder and Terraform's `folder`. */
  folder: string;
  /** The key of its section in `opsfn.yaml`. */
  configKey: SectionKey;
  /** Other functions' sections it reads (drDrill restores the dumps `backups` names): loaded and checked with its own. */
  reads?: readonly SectionKey[];
  /** The flags of `opsfn invoke <name>`, as its definition declares them (a registry test holds the two equal). */
  flags?: readonly InvokeFlag[];
  /** The extra `opsfn` subcommands it contributes, named for the usage text. */
  commands?: readonly CliCommandEntry[];
  /** Loads its config section (`config.ts`). */
  config(): Promise<AnyConfigSection>;
  /** Loads its definition (`handler.ts`), built with production dependencies. */
  definition(): Promise<AnyFunction>;
  /** Loads the subcommands `commands` names. */
  loadCommands?(): Promise<readonly CliCommand[]>;
}

/** Functions loaded: what `opsfn serve`, one CLI command and a deployed instance are built from. */
export interface Catalogue {
  functions: AnyFunction[];
  commands: CliCommand[];
  sections: AnyConfigSection[];
  /**
   * The estate schema: the common part and the sections of the loaded functions (and those they read);
   * other registered sections are allowed unchecked.
   */
  estate: EstateSchema;
}

/** Loads the config sections of `descriptors`, refusing one whose `config.ts` has another key than the registry's. */
export async function loadSections(descriptors: readonly FunctionDescriptor[]): Promise<AnyConfigSection[]> {
  const sections = await Promise.all(descriptors.map((d) => d.config()));
  const wrong = descriptors.filter((d, i) => sections[i]?.key !== d.configKey);
  if (wrong.length > 0) {
    throw new Error(`config.ts does not contribute the registry's config key: ${wrong.map((d) => d.name).join(', ')}`);
  }
  return sections;
}

/**
 * What the estate's checks know beyond the file when opsfn runs from its package (the CLI, `opsfn serve`): the
 * Scheduler jobs it runs (`schedules`, a directory of job files; the packaged ones by default), so `schedules`
 * overrides are checked at load against those, and the registered functions.
 */
export async function estateContext(
  descriptors: readonly FunctionDescriptor[],
  schedules?: string,
): Promise<EstateContext> {
  const [{ loadSchedules }, { packageRoot }] = await Promise.all([
    import('../shared/core/config/index.js'),
    import('../shared/host/runtime/index.js'),
  ]);
  const jobsFrom = schedules ?? join(packageRoot(), 'schedules');
  return { jobs: await loadSchedules(jobsFrom), jobsFrom, functions: descriptors.map((d) => d.name) };
}

/** Options of {@link loadCatalogue}. */
export interface CatalogueOptions {
  /** The directory of the job files the process runs (`opsfn serve --schedules`), instead of the packaged ones. */
  schedules?: string;
}

/**
 * Loads the functions `selected` of `registry` (all by default) with their sections and commands, and composes
 * the estate schema that checks their sections and allows the others' unchecked.
 */
export async function loadCatalogue(
  registry: readonly FunctionDescriptor[],
  selected: readonly FunctionDescriptor[] = registry,
  options: CatalogueOptions = {},
): Promise<Catalogue> {
  const keys = new Set(selected.flatMap((d) => [d.configKey, ...(d.reads ?? [])]));
  const sectioned = registry.filter((d) => keys.has(d.configKey));
  const [sections, functions, commands, context, { composeEstateSchema }] = await Promise.all([
    loadSections(sectioned),
    Promise.all(selected.map((d) => d.definition())),
    Promise.all(selected.map((d) => d.loadCommands?.() ?? [])),
    estateContext(registry, options.schedules),
    import('../shared/core/config/index.js'),
  ]);
  const wrong = selected.filter((d, i) => functions[i]?.name !== d.name);
  if (wrong.length > 0) {
    throw new Error(
      `handler.ts defines another function than the registry names: ${wrong.map((d) => d.name).join(', ')}`,
    );
  }
  const unchecked = registry.map((d) => d.configKey).filter((k) => !keys.has(k));
  return {
    functions,
    commands: commands.flat(),
    sections,
    estate: composeEstateSchema(sections, context, { unchecked }),
  };
}

/** The registry as the CLI sees it: listed from the descriptors, loaded one command's worth at a time. */
export function cliCatalogue(registry: readonly FunctionDescriptor[]): CliCatalogue {
  const pick = (scope: CliScope): FunctionDescriptor[] => {
    if (scope.command !== undefined) return registry.filter((d) => d.commands?.some((c) => c.name === scope.command));
    if (scope.functions !== undefined) return registry.filter((d) => scope.functions?.includes(d.name));
    return [...registry];
  };
  return {
    functions: registry.map((d) => ({ name: d.name, ...(d.flags ? { flags: d.flags } : {}) })),
    commands: registry.flatMap((d) => d.commands ?? []),
    load: (scope) =>
      loadCatalogue(registry, pick(scope), scope.schedules === undefined ? {} : { schedules: scope.schedules }),
  };
}
