import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { Plugin } from 'esbuild';
import {
  type AnyConfigSection,
  composeEstateSchema,
  literalSecrets,
  runtimeChecksOf,
} from '../../shared/core/config/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { AnyFunction, ValidatedEstate } from '../../shared/host/runtime/index.js';
import {
  documentDigest,
  packageRoot,
  parseConfig,
  readConfigDocument,
  validationRuntime,
} from '../../shared/host/runtime/index.js';
import { builtinImportsPlugin } from './builtin-imports.js';
import { externalDependencies, startupClosure } from './bundle-metafile.js';
import { cjsInteropPlugin } from './cjs-interop.js';
import { COMPILE_CACHE_SCRIPT } from './compile-cache.js';
import { BANNER, BUNDLE_EXTERNALS } from './esbuild-options.js';
import { kebabCase, type LocatedSection, locateHandlers, locateSections } from './locate.js';

export { BUNDLE_EXTERNALS } from './esbuild-options.js';
export { kebabCase, locateHandlers, locateSections } from './locate.js';

type Registry = typeof import('../../functions/registry.js');
type Catalogue = typeof import('../../functions/catalogue.js');

/** One function's bundle as built: sizes, what loads at cold start, and its installed dependencies. */
export interface BundleReport {
  name: string;
  folder: string;
  dir: string;
  /** Bytes of `index.js` plus every chunk it imports statically: what a cold start loads. */
  startupBytes: number;
  startupFiles: string[];
  /** npm packages in or imported by the cold-start files. */
  startupPackages: string[];
  /** opsfn's own source files with code in the cold-start files, relative to the root. */
  startupModules: string[];
  /** Bytes of the chunks loaded only through `import()` (cloud SDKs, database drivers). */
  lazyBytes: number;
  lazyFiles: string[];
  dependencies: Record<string, string>;
}

/** Options of {@link buildBundles}; by default the registry of this checkout into `dist/bundles`. */
export interface BundleOptions {
  root: string;
  outDir?: string;
  functions?: readonly AnyFunction[];
  minify?: boolean;
  /**
   * The estate the bundles will serve (the file Terraform's `estate_config_path` names): validated now against each
   * bundle's schema, which fails the build when it is invalid, and carried in the bundle, so a function whose
   * config is this estate does not validate it again at every cold start.
   */
  estate?: string;
}

/** The sections a bundle checks (its function's and those it reads) and the keys of the others, allowed unchecked. */
function splitSections(sections: readonly LocatedSection[], checked: ReadonlySet<string>) {
  return {
    own: sections.filter((s) => checked.has(s.key)),
    unchecked: sections.filter((s) => !checked.has(s.key)).map((s) => s.key),
  };
}

// The entry registers the one function with the estate schema it needs: the common part, its own section and
// those it reads, checked; the other functions' sections are allowed unchecked (the config file is shared, and
// loading every function's schema would cost each cold start what only `opsfn config validate` needs). The
// estate's checks know the registered functions' names; a bundle carries no job files, so `schedules`
// overrides are checked by `opsfn config validate` only. The entry is generated text no type check reads: the
// bundle test serves every bundle a full estate.
function entryPlugin(
  root: string,
  name: string,
  handler: string,
  sections: readonly LocatedSection[],
  checked: ReadonlySet<string>,
  functions: readonly string[],
  validated: ValidatedEstate | undefined,
): Plugin {
  const register = join(root, 'shared', 'host', 'runtime', 'register.ts');
  const config = join(root, 'shared', 'core', 'config', 'index.ts');
  const { own, unchecked } = splitSections(sections, checked);
  // The schema is composed in a module of its own, imported when a config needs validating: with the estate the
  // bundle carries validated (`validated`), a start builds none of the config's schemas it needs not run.
  const schema = [
    `import { composeEstateSchema } from ${JSON.stringify(config)};`,
    ...own.map((s) => `import { ${s.exportName} } from ${JSON.stringify(s.file)};`),
    `export const estate = composeEstateSchema([${own.map((s) => s.exportName).join(', ')}], ${JSON.stringify({ functions })}, ${JSON.stringify({ unchecked })});`,
  ].join('\n');
  const entry = [
    `import { registerFunctions } from ${JSON.stringify(register)};`,
    `import { ${name} } from ${JSON.stringify(handler)};`,
    `const estate = () => import('opsfn-estate:${name}').then((m) => m.estate);`,
    `registerFunctions([${name}], { estate, warm: true${validated ? `, validated: ${JSON.stringify(validated)}` : ''} });`,
  ].join('\n');
  return {
    name: 'opsfn-entry',
    setup(build) {
      build.onResolve({ filter: /^opsfn-(entry|estate):/ }, (args) => ({
        path: args.path,
        namespace: args.path.startsWith('opsfn-entry:') ? 'opsfn-entry' : 'opsfn-estate',
      }));
      build.onLoad({ filter: /.*/, namespace: 'opsfn-entry' }, () => ({
        contents: entry,
        loader: 'ts',
        resolveDir: root,
      }));
      build.onLoad({ filter: /.*/, namespace: 'opsfn-estate' }, () => ({
        contents: schema,
        loader: 'ts',
        resolveDir: root,
      }));
    },
  };
}

async function buildOne(
  root: string,
  outDir: string,
  name: string,
  handler: string,
  sections: readonly LocatedSection[],
  checked: ReadonlySet<string>,
  functions: readonly string[],
  minify: boolean,
  validated: ValidatedEstate | undefined,
) {
  const { build } = await import('esbuild');
  const folder = kebabCase(name);
  const dir = join(outDir, folder);
  await rm(dir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: `opsfn-entry:${name}` },
    plugins: [
      entryPlugin(root, name, handler, sections, checked, functions, validated),
      cjsInteropPlugin(BUNDLE_EXTERNALS),
      builtinImportsPlugin(),
    ],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: dir,
    chunkNames: 'chunks/[name]-[hash]',
    external: [...BUNDLE_EXTERNALS],
    banner: { js: BANNER },
    treeShaking: true,
    // Identifiers are kept so stack traces in Cloud Logging still name the functions.
    minifySyntax: minify,
    minifyWhitespace: minify,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const dependencies = externalDependencies(root, result.metafile);
  // The deploy-time step that fills Node's compile cache (compile-cache.ts): node builtins only, a file of its own.
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'tools', 'bundle', 'compile-cache.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: join(dir, COMPILE_CACHE_SCRIPT),
    minifySyntax: minify,
    minifyWhitespace: minify,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const manifest = {
    name: `opsfn-${folder}`,
    version: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    private: true,
    description: `opsfn ${name}, bundled; entry points ${name} (HTTP) and ${name}Event (CloudEvent)`,
    type: 'module',
    main: 'index.js',
    engines: { node: '>=20' },
    // Run by the Cloud Functions build once the dependencies are installed, on the Node the function runs on.
    scripts: { 'gcp-build': `node ${COMPILE_CACHE_SCRIPT} ${name}` },
    dependencies,
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const sizes = startupClosure(root, result.metafile, dir, 'index.js');
  return {
    name,
    folder,
    dir,
    startupBytes: sizes.startupBytes,
    startupFiles: sizes.startup,
    startupPackages: sizes.startupPackages,
    startupModules: sizes.startupModules,
    lazyBytes: sizes.lazyBytes,
    lazyFiles: sizes.lazy,
    dependencies,
  } satisfies BundleReport;
}

/** Removes bundles of functions no longer registered; only directories this command wrote. */
async function removeStale(outDir: string, keep: Set<string>): Promise<void> {
  if (!existsSync(outDir)) return;
  for (const entry of await readdir(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || keep.has(entry.name)) continue;
    const manifest = join(outDir, entry.name, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(await readFile(manifest, 'utf8')) as { name?: string };
    if (name === `opsfn-${entry.name}`) await rm(join(outDir, entry.name), { recursive: true, force: true });
  }
}

/**
 * Validates `document` (the estate at `path`) against the schema a bundle's entry composes, the same call with the
 * same sections, and returns it in the form the entry carries. Throws the ConfigError of an invalid estate.
 */
async function validateForBundle(
  document: unknown,
  path: string,
  sections: readonly LocatedSection[],
  checked: ReadonlySet<string>,
  functions: readonly string[],
): Promise<ValidatedEstate> {
  const { own, unchecked } = splitSections(sections, checked);
  const imported: AnyConfigSection[] = [];
  for (const s of own) {
    imported.push(((await import(pathToFileURL(s.file).href)) as Record<string, AnyConfigSection>)[s.exportName]!);
  }
  const schema = composeEstateSchema(imported, { functions }, { unchecked });
  const { value: estate, zones, patterns } = runtimeChecksOf(() => parseConfig(schema, document, path));
  const json = JSON.stringify(estate);
  // A start takes the estate back from this JSON: anything validation makes that JSON does not keep is refused.
  if (!isDeepStrictEqual(JSON.parse(json), estate))
    throw new Error(`${path}: the validated estate does not read back equal from JSON; cannot carry it in the bundle`);
  return { digest: documentDigest(document ?? {}), estate: json, runtime: validationRuntime(), zones, patterns };
}

/** Builds one bundle per registered function into `<outDir>/<kebab-name>/` (index.js + package.json). */
export async function buildBundles(options: BundleOptions): Promise<BundleReport[]> {
  const root = options.root;
  const outDir = resolve(root, options.outDir ?? join('dist', 'bundles'));
  const { registry } = (await import(pathToFileURL(join(root, 'functions', 'registry.ts')).href)) as Registry;
  const { loadCatalogue } = (await import(pathToFileURL(join(root, 'functions', 'catalogue.ts')).href)) as Catalogue;
  const functions = options.functions ?? (await loadCatalogue(registry)).functions;
  if (functions.length === 0) throw new Error('functions/registry.ts lists no functions: nothing to bundle');
  const handlers = await locateHandlers(root, functions);
  const sections = await locateSections(root, registry);
  await mkdir(outDir, { recursive: true });
  await removeStale(outDir, new Set([...handlers.keys()].map(kebabCase)));
  const names = [...new Set([...registry.map((d) => d.name), ...handlers.keys()])];
  const estatePath = options.estate ? resolve(options.estate) : undefined;
  const document = estatePath ? await readConfigDocument(await readFile(estatePath, 'utf8'), estatePath) : undefined;
  // The estate goes into every bundle's source archive: a secret written in it would go with it.
  const literals = estatePath ? literalSecrets(document).length : 0;
  if (literals > 0) {
    throw new Error(
      `${estatePath} holds ${literals} secret(s) as literal values (URLs with passwords, webhook URLs, header values); ` +
        'a bundle carrying the estate would put them in its source archive: reference them ({ env: … } or ' +
        '{ secret: … }), or bundle without --estate',
    );
  }
  const reports: BundleReport[] = [];
  for (const [name, handler] of handlers) {
    const descriptor = registry.find((d) => d.name === name);
    // A function the registry does not list (a test's) gets every section checked, as before sections were split.
    const checked = new Set(
      descriptor ? [descriptor.configKey, ...(descriptor.reads ?? [])] : sections.map((s) => s.key),
    );
    const validated = estatePath ? await validateForBundle(document, estatePath, sections, checked, names) : undefined;
    reports.push(
      await buildOne(root, outDir, name, handler, sections, checked, names, options.minify ?? true, validated),
    );
  }
  return reports;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Sums the sizes of every file under a bundle directory. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * `npm run bundle [-- --out DIR] [--no-minify] [--estate FILE]`: builds every bundle and prints its sizes; returns
 * the exit code.
 */
export async function main(argv: string[], root: string, write = (line: string) => process.stdout.write(line)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'no-minify': { type: 'boolean', default: false },
      estate: { type: 'string' },
    },
  });
  const reports = await buildBundles({
    root,
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.estate ? { estate: values.estate } : {}),
    minify: !values['no-minify'],
  });
  if (values.estate) write(`estate ${values.estate} validated and carried in every bundle\n`);
  for (const r of reports) {
    const deps = Object.entries(r.dependencies).map(([p, v]) => `${p}@${v}`);
    write(
      `${r.folder.padEnd(14)} ${kib(await directoryBytes(r.dir)).padStart(11)} on disk; cold start loads ` +
        `${r.startupFiles.length} file(s), ${kib(r.startupBytes)} (${r.startupPackages.join(', ')}); ` +
        `${r.lazyFiles.length} lazy chunk(s), ` +
        `${kib(r.lazyBytes)}; installs ${deps.join(', ') || 'nothing'}\n`,
    );
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), packageRoot(import.meta.url)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bundle: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
