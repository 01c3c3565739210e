import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A parsed HCL body: every block type maps labels to arrays of bodies (hcl2json's shape). */
export type HclBody = Record<string, unknown>;

/** One Terraform module directory: its files parsed and merged, and its raw text without comments. */
export interface TerraformModule {
  dir: string;
  files: string[];
  variables: Record<string, HclBody>;
  locals: Record<string, unknown>;
  resources: Record<string, Record<string, HclBody>>;
  data: Record<string, Record<string, HclBody>>;
  modules: Record<string, HclBody>;
  outputs: Record<string, HclBody>;
  terraform: HclBody[];
  text: string;
  parsed: Record<string, HclBody>;
}

function listTfDirs(root: string): string[] {
  const dirs = new Set<string>();
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.tf')) continue;
    if (relative(root, entry.parentPath).split('/').includes('.terraform')) continue;
    dirs.add(entry.parentPath);
  }
  return [...dirs].sort();
}

function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(#|\/\/)/.test(line))
    .join('\n');
}

function single(blocks: unknown): HclBody {
  return (Array.isArray(blocks) ? blocks[0] : blocks) as HclBody;
}

function mergeLabelled(target: Record<string, Record<string, HclBody>>, source: unknown): void {
  for (const [type, byName] of Object.entries((source ?? {}) as Record<string, Record<string, unknown>>)) {
    target[type] ??= {};
    for (const [name, blocks] of Object.entries(byName)) target[type][name] = single(blocks);
  }
}

/** Parses every `.tf` file under `root` with hcl2json, grouped by module directory. */
export async function loadTerraform(root: string): Promise<TerraformModule[]> {
  const modules: TerraformModule[] = [];
  for (const dir of listTfDirs(root)) {
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.tf'))
      .sort();
    const module: TerraformModule = {
      dir,
      files,
      variables: {},
      locals: {},
      resources: {},
      data: {},
      modules: {},
      outputs: {},
      terraform: [],
      text: '',
      parsed: {},
    };
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      const parsed = (await parse(file, text)) as Record<string, unknown>;
      module.parsed[file] = parsed;
      module.text += `${stripComments(text)}\n`;
      for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, unknown>)) {
        module.variables[name] = single(blocks);
      }
      for (const block of (parsed.locals ?? []) as HclBody[]) Object.assign(module.locals, block);
      for (const [name, blocks] of Object.entries((parsed.module ?? {}) as Record<string, unknown>)) {
        module.modules[name] = single(blocks);
      }
      for (const [name, blocks] of Object.entries((parsed.output ?? {}) as Record<string, unknown>)) {
        module.outputs[name] = single(blocks);
      }
      mergeLabelled(module.resources, parsed.resource);
      mergeLabelled(module.data, parsed.data);
      module.terraform.push(...((parsed.terraform ?? []) as HclBody[]));
    }
    modules.push(module);
  }
  return modules;
}

/** Every string leaf of a parsed body, with the attribute path that leads to it. */
export function stringLeaves(value: unknown, path: string[] = []): { path: string[]; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item) => stringLeaves(item, path));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
  }
  return [];
}

/** Names referenced as `<prefix>.<name>` in the module's text (var, local, module). */
export function references(text: string, prefix: 'var' | 'local' | 'module'): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(new RegExp(`(?<![\\w.])${prefix}\\.([A-Za-z_][A-Za-z0-9_-]*)`, 'g'))) {
    if (match[1]) found.add(match[1]);
  }
  return found;
}
