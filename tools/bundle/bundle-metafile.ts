import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import type { Metafile } from 'esbuild';

function packageOf(specifier: string): string | undefined {
  if (isBuiltin(specifier) || specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What a cold start loads (the entry and its static imports) and what it loads only on `import()`. */
export function startupClosure(root: string, metafile: Metafile, outDir: string, entry: string) {
  const outputs = metafile.outputs;
  const key = (path: string) => Object.keys(outputs).find((k) => resolve(root, k) === resolve(root, path)) ?? path;
  const startup = new Set<string>();
  const visit = (file: string) => {
    if (startup.has(file)) return;
    startup.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (!imported.external && imported.kind === 'import-statement') visit(key(imported.path));
    }
  };
  visit(key(join(outDir, entry)));
  const js = Object.keys(outputs).filter((k) => k.endsWith('.js'));
  const sum = (files: string[]) => files.reduce((total, f) => total + (outputs[f]?.bytes ?? 0), 0);
  const lazy = js.filter((k) => !startup.has(k));
  const absolute = (files: string[]) => files.map((f) => resolve(root, f));
  const packages = new Set<string>();
  const modules = new Set<string>();
  for (const file of startup) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[file]?.inputs ?? {})) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (pkg) packages.add(pkg);
      else if (bytesInOutput > 0 && !input.includes(':')) modules.add(input);
    }
    for (const imported of outputs[file]?.imports ?? []) {
      // A dynamic import() of an external loads it on first use, not at cold start.
      const pkg = imported.external && imported.kind !== 'dynamic-import' ? packageOf(imported.path) : undefined;
      if (pkg) packages.add(pkg);
    }
  }
  return {
    startupPackages: [...packages].sort(),
    startupModules: [...modules].sort(),
    startup: absolute([...startup]),
    lazy: absolute(lazy),
    startupBytes: sum([...startup]),
    lazyBytes: sum(lazy),
  };
}

/** The externals a bundle imports that opsfn depends on, at the exact version installed (what the tests ran). */
export function externalDependencies(root: string, metafile: Metafile): Record<string, string> {
  const declared =
    (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      }
    ).dependencies ?? {};
  const dependencies: Record<string, string> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      const pkg = imported.external ? packageOf(imported.path) : undefined;
      // Optional natives (pg-native) are not dependencies of opsfn: their importers tolerate their absence.
      if (!pkg || declared[pkg] === undefined) continue;
      const manifest = join(root, 'node_modules', pkg, 'package.json');
      // The version the tests ran with, exactly, so the deployed build cannot drift to another release.
      dependencies[pkg] = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    }
  }
  return Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
}
