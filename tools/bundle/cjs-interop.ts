import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['default', 'await', 'break', 'case', 'class', 'const', 'delete', 'enum', 'export', 'import']);

/** The keys of a CommonJS module's exports that an ES module can export by name, but for `skip`. */
export function exportableNames(exported: Record<string, unknown>, skip: readonly string[] = []): string[] {
  return Object.keys(exported).filter((n) => IDENTIFIER.test(n) && !RESERVED.has(n) && !skip.includes(n));
}

/**
 * Whether `file` is CommonJS: `.cjs`, or a `.js` file with no top-level `import`/`export` statement (many
 * packages ship ES modules as `.js` without `"type": "module"`, under a `module` or `exports` entry).
 */
export function isCommonJs(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  return !/^\s*(import|export)\b\s*[\w{*'"]/m.test(readFileSync(file, 'utf8'));
}

/**
 * Keeps the named exports of a CommonJS package loaded by `import()`. Node gives such an import the
 * package's exports by name (`const { run } = await import('@googleapis/run')`), but a bundle's split
 * chunk of a CommonJS module exports only `default`, so every name would read `undefined` once bundled.
 * The plugin puts an ES module in between that names, at build time, what the package exports.
 */
export function cjsInteropPlugin(externals: readonly string[]): Plugin {
  return {
    name: 'opsfn-cjs-interop',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData === 'inner' || isBuiltin(args.path)) return undefined;
        if (externals.some((e) => args.path === e || args.path.startsWith(`${e}/`))) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'inner',
        });
        if (resolved.errors.length > 0 || resolved.external || !isCommonJs(resolved.path)) return undefined;
        return { path: resolved.path, namespace: 'opsfn-cjs', pluginData: args.path };
      });
      build.onLoad({ filter: /.*/, namespace: 'opsfn-cjs' }, (args) => {
        const exported = createRequire(args.path)(args.path) as Record<string, unknown>;
        const names = exportableNames(exported);
        const contents = [
          `import * as ns from ${JSON.stringify(args.path)};`,
          'export default ns;',
          ...(names.length > 0 ? [`export const { ${names.join(', ')} } = ns;`] : []),
        ].join('\n');
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
