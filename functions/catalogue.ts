import { join } from 'node:path';
import type { AnyConfigSection, EstateContext, EstateSchema, SectionKey } from '../shared/core/config/index.js';
import { composeEstateSchema, loadSchedules } from '../shared/core/config/index.js';
import type { CliCommand } from '../shared/host/cli/index.js';
import { type AnyFunction, packageRoot } from '../shared/host/runtime/index.js';

/**
 * One function as the registry lists it: what is known without loading it (its names) and how to load its
 * config section, its definition and its extra `opsfn` commands, so a host may load each when it needs it.
 */
export interface FunctionDescriptor {
  /** The entry point, camelCase: the HTTP path, the Cloud Functions entry point, Terraform's catalogue key. */
  name: string;
  /** Its folder under `functions/` (the name in kebab-case): the bundle's folder and Terraform's `folder`. */
  folder: string;
  /** The key of its section in `opsfn.yaml`. */
  configKey: SectionKey;
  /** Loads its config section (`config.ts`). */
  config(): Promise<AnyConfigSection>;
  /** Loads its definition (`handler.ts`), built with production dependencies. */
  definition(): Promise<AnyFunction>;
  /** Loads the extra `opsfn` subcommands it contributes. */
  commands?(): Promise<readonly CliCommand[]>;
}

/** Every function loaded: what `opsfn serve`, the CLI and a deployed instance are built from. */
export interface Catalogue {
  functions: AnyFunction[];
  commands: CliCommand[];
  sections: AnyConfigSection[];
  /** The estate schema composed from the sections. */
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
 * packaged Scheduler jobs, so `schedules` overrides are checked at load, and the registered functions.
 */
export async function estateContext(descriptors: readonly FunctionDescriptor[]): Promise<EstateContext> {
  return { jobs: await loadSchedules(join(packageRoot(), 'schedules')), functions: descriptors.map((d) => d.name) };
}

/** Loads every function of `descriptors` with its section and commands, and composes the estate schema. */
export async function loadCatalogue(descriptors: readonly FunctionDescriptor[]): Promise<Catalogue> {
  const [sections, functions, commands, context] = await Promise.all([
    loadSections(descriptors),
    Promise.all(descriptors.map((d) => d.definition())),
    Promise.all(descriptors.map((d) => d.commands?.() ?? [])),
    estateContext(descriptors),
  ]);
  const wrong = descriptors.filter((d, i) => functions[i]?.name !== d.name);
  if (wrong.length > 0) {
    throw new Error(
      `handler.ts defines another function than the registry names: ${wrong.map((d) => d.name).join(', ')}`,
    );
  }
  return { functions, commands: commands.flat(), sections, estate: composeEstateSchema(sections, context) };
}
