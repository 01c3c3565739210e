import { createRequire } from 'node:module';
import type { Plugin } from 'esbuild';
import { exportableNames } from './cjs-interop.js';

/**
 * Builtins whose ES module namespace costs far more than the module, and the exports it must not read.
 * Node builds a builtin's namespace by reading every export once. On Node 22 (the runtime the functions
 * deploy on) `node:http` has lazy `WebSocket`, `CloseEvent` and `MessageEvent` getters that load Node's
 * copy of undici, and http2, tls, worker_threads and web streams with it: measured on Node 22.23,
 * `import { request } from 'node:http'` costs about 10 MiB and 22 ms, `require('node:http')` 0.9 MiB
 * and 6 ms (nodejs/node#59686 reports the time). `node:util`'s namespace loads worker_threads there
 * (0.9 MiB against nothing through `require`). Node 20 has neither cost.
 */
const HEAVY_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  http: ['WebSocket', 'CloseEvent', 'MessageEvent'],
  util: [],
};

/** The builtin an import specifier names when it is one {@link HEAVY_EXPORTS} lists (`http` or `node:http`). */
function heavyBuiltin(specifier: string): string | undefined {
  const name = specifier.replace(/^node:/, '');
  return Object.hasOwn(HEAVY_EXPORTS, name) ? name : undefined;
}

/** The ES module put in place of `node:<name>`: its CommonJS exports, named, without the heavy ones. */
export function builtinFacade(name: string): string {
  const exported = createRequire(import.meta.url)(`node:${name}`) as Record<string, unknown>;
  const names = exportableNames(exported, HEAVY_EXPORTS[name]);
  return [
    "import { createRequire } from 'node:module';",
    `const builtin = createRequire(import.meta.url)(${JSON.stringify(`node:${name}`)});`,
    'export default builtin;',
    // One statement per export, so the bundler drops those nothing imports: reading one can load a module
    // (`node:util`'s `parseArgs`, `diff`, `transferableAbortSignal`), as reading them all at once would.
    ...names.map((n) => `export const ${n} = /* @__PURE__ */ (() => builtin.${n})();`),
  ].join('\n');
}

/**
 * Loads the builtins {@link HEAVY_EXPORTS} lists through `require` wherever a bundled ES module imports
 * them (statically or with `import()`), as their CommonJS users already do, so no cold start pays for
 * an export it never reads. The names come from the Node that builds the bundle; importing a heavy one
 * fails the build ("No matching export").
 */
export function builtinImportsPlugin(): Plugin {
  return {
    name: 'opsfn-builtin-imports',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        const name = heavyBuiltin(args.path);
        return name ? { path: name, namespace: 'opsfn-builtin' } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'opsfn-builtin' }, (args) => ({
        contents: builtinFacade(args.path),
        loader: 'js',
      }));
    },
  };
}
