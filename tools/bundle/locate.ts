import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FunctionDescriptor } from '../../functions/catalogue.js';
import type { AnyFunction } from '../../shared/host/runtime/index.js';

/** The folder of an entry point: `backupVerify` → `backup-verify`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Checks each registry entry follows the convention and returns its handler file; throws naming every violation. */
export async function locateHandlers(root: string, functions: readonly AnyFunction[]): Promise<Map<string, string>> {
  const problems: string[] = [];
  const handlers = new Map<string, string>();
  for (const definition of functions) {
    const name = String(definition?.name);
    if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) {
      problems.push(`registry entry "${name}": the name must be a camelCase entry point like "certExpiry"`);
      continue;
    }
    const file = join(root, 'functions', kebabCase(name), 'handler.ts');
    if (!existsSync(file)) {
      problems.push(
        `${name}: expected its definition in functions/${kebabCase(name)}/handler.ts, which does not exist`,
      );
      continue;
    }
    const exported = ((await import(pathToFileURL(file).href)) as Record<string, unknown>)[name];
    if (exported !== definition) {
      problems.push(
        `${name}: functions/${kebabCase(name)}/handler.ts must export the registered definition as \`export const ${name}\``,
      );
      continue;
    }
    if (handlers.has(name)) problems.push(`${name}: listed twice in the registry`);
    handlers.set(name, file);
  }
  if (problems.length > 0) throw new Error(`cannot bundle the function registry:\n  - ${problems.join('\n  - ')}`);
  return handlers;
}

/** A function's config section as the bundle entry imports it: `export const <name>Section` of its `config.ts`. */
export interface LocatedSection {
  file: string;
  exportName: string;
  /** Its key in the estate. */
  key: string;
}

/** Checks each registry entry's `config.ts` exports its section as `<name>Section`; throws naming every violation. */
export async function locateSections(
  root: string,
  descriptors: readonly FunctionDescriptor[],
): Promise<LocatedSection[]> {
  const problems: string[] = [];
  const sections: LocatedSection[] = [];
  for (const descriptor of descriptors) {
    const exportName = `${descriptor.name}Section`;
    const file = join(root, 'functions', descriptor.folder, 'config.ts');
    const exported = existsSync(file)
      ? ((await import(pathToFileURL(file).href)) as Record<string, unknown>)[exportName]
      : undefined;
    if (exported === undefined || exported !== (await descriptor.config())) {
      problems.push(
        `${descriptor.name}: functions/${descriptor.folder}/config.ts must export its section as \`export const ${exportName}\``,
      );
      continue;
    }
    sections.push({ file, exportName, key: descriptor.configKey });
  }
  if (problems.length > 0) throw new Error(`cannot bundle the config sections:\n  - ${problems.join('\n  - ')}`);
  return sections;
}
