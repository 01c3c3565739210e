import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage } from '../../shared/core/errors/index.js';
import { builtinImportsPlugin } from './builtin-imports.js';
import { cjsInteropPlugin } from './cjs-interop.js';
import { BANNER, BUNDLE_EXTERNALS } from './esbuild-options.js';

/** Where `npm run build` writes the CLI bundle that `bin/opsfn.js` runs. */
export const CLI_BUNDLE_DIR = join('dist', 'cli');

/**
 * Bundles the `opsfn` CLI into `<root>/dist/cli/opsfn.js`, each function and SDK in a chunk of its own.
 * A command then reads a few files instead of resolving some thousand modules one by one (zod alone is
 * about 250), which is most of what `opsfn --help` and `opsfn invoke` spent before their work began.
 */
export async function buildCliBundle(root: string, outDir = join(root, CLI_BUNDLE_DIR)): Promise<string> {
  const { build } = await import('esbuild');
  await rm(outDir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { opsfn: join(root, 'functions', 'cli.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    // Run from the checkout, next to node_modules: what the function bundles leave out stays out here too.
    external: [...BUNDLE_EXTERNALS],
    plugins: [cjsInteropPlugin(BUNDLE_EXTERNALS), builtinImportsPlugin()],
    banner: { js: BANNER },
    treeShaking: true,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return join(outDir, 'opsfn.js');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildCliBundle(fileURLToPath(new URL('../..', import.meta.url))).catch((error: unknown) => {
    process.stderr.write(`cli bundle: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  });
}
