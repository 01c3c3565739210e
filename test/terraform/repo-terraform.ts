import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { registry } from '../../functions/registry.js';
import { type HclBody, loadTerraform, type TerraformModule } from './load-terraform.js';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** The Terraform root module. */
export const TF = join(ROOT, 'terraform');
/** The entry points Terraform may deploy: those of the function registry. */
export const ENTRY_POINTS = registry.map((d) => d.name);

/** Every module under terraform/, or the parse error that stopped loading them. */
export const loaded = await loadTerraform(TF).then(
  (modules) => ({ modules, error: undefined }),
  (error: unknown) => ({ modules: [] as TerraformModule[], error }),
);
export const modules = loaded.modules;
export const byDir = new Map(modules.map((m) => [m.dir, m]));
export const root = byDir.get(TF);
export const functionModule = byDir.get(join(TF, 'modules', 'function'));

/** A module's path relative to the repository, for messages. */
export const name = (m: TerraformModule) => relative(ROOT, m.dir);

/** An HCL interpolation as hcl2json renders it: `${expr}`. */
export function hcl(expr: string): string {
  return `\${${expr}}`;
}

/** The function catalogue of the root module: entry point => folder and consumed topics. */
/** One function's entry of `local.function_catalogue` in terraform/main.tf. */
export interface CatalogueEntry {
  folder: string;
  topics: string[];
  continuation?: string | null;
  dead_letters?: boolean;
}

export function catalogue(): Record<string, CatalogueEntry> {
  return (root?.locals.function_catalogue ?? {}) as Record<string, CatalogueEntry>;
}

/** One resource block, or a failure naming what is missing. */
export function resource(m: TerraformModule | undefined, type: string, label: string): HclBody {
  const body = m?.resources[type]?.[label];
  if (!body) expect.fail(`${m ? name(m) : 'module'} declares no ${type}.${label}`);
  return body;
}
