/**
 * Packages left out of the bundles and installed by the Cloud Functions build instead: the
 * framework the buildpack starts, google-gax clients (they read proto JSON from disk at run
 * time) and native optional modules.
 */
export const BUNDLE_EXTERNALS = [
  '@google-cloud/functions-framework',
  '@google-cloud/pubsub',
  '@google-cloud/monitoring',
  'google-gax',
  'pg-native',
  // The Docker Engine client, for compose estates (served by `opsfn serve`); its ssh2 carries native modules.
  'dockerode',
] as const;

/** Lets CJS dependencies inside an ESM bundle call require() and read __dirname. */
export const BANNER = [
  "import { createRequire as __opsfnCreateRequire } from 'node:module';",
  "import { fileURLToPath as __opsfnFileURLToPath } from 'node:url';",
  "import { dirname as __opsfnDirname } from 'node:path';",
  'const require = __opsfnCreateRequire(import.meta.url);',
  'const __filename = __opsfnFileURLToPath(import.meta.url);',
  'const __dirname = __opsfnDirname(__filename);',
].join('\n');
