/**
 * A bundle's deploy-time step (`gcp-build`, which the Cloud Functions build runs after installing the bundle's
 * dependencies, on the Node the function will run on): fills `.compile-cache`, Node's compile cache
 * (`NODE_COMPILE_CACHE`, Node ≥ 22.1), with the code cache of every file a cold start compiles, so that a start
 * with `NODE_COMPILE_CACHE=.compile-cache` (Terraform sets it) reads V8's code for functions-framework, its
 * dependencies and the bundle instead of parsing and compiling them.
 *
 * It starts functions-framework on the bundle exactly as the platform does (`main.js --target --source`), sends it
 * one request (a request loads modules of its own: the body parser's encodings, the config reader), stops it
 * with SIGTERM (functions-framework exits, and Node writes the cache as it exits), then imports every file of
 * the bundle once, so the chunks a first request loads later (adapters, clients) are cached too.
 *
 * Node names the cache's directory after its version, architecture, V8's flags and the user, so the cache is
 * written for the flags the function will start with (`flagSets`): the function's own `NODE_OPTIONS`, which the
 * deployment passes to the build as `OPSFN_RUNTIME_NODE_OPTIONS`, with the heap size the buildpacks give it. A start
 * on another Node, or with other flags, finds no cache and compiles as it would without one; it says so in its log.
 * `written.json` beside the cache names the directory the cache was written for.
 *
 * Best effort, as a cache is: on a Node without a compile cache it does nothing, each process it starts has a
 * deadline, and whatever fails is printed as a warning naming it while the step still exits 0, so the deploy goes
 * on with what was cached.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The cache's directory, relative to the bundle: the runtime's working directory is the bundle's root. */
export const COMPILE_CACHE_DIR = '.compile-cache';
/** This script's file in a bundle, which the bundle's `gcp-build` script runs. */
export const COMPILE_CACHE_SCRIPT = 'compile-cache.js';
/** Whether this Node has a compile cache (≥ 22.1; Node 20's types do not know it): where it has none, the step writes nothing. */
export const HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
/** The file beside the cache's directories naming what they were written for. */
export const COMPILE_CACHE_MARKER = 'written.json';
/** What the functions-framework buildpack leaves of the memory hint before it sets the heap's size. */
const BUILDPACK_HEADROOM_MB = 64;
/** How long functions-framework may take to answer, and importing the bundle's files to end, before the step
 * gives up on that process. */
export interface CompileCacheDeadlines {
  listenMs: number;
  loadMs: number;
}
const DEADLINES: CompileCacheDeadlines = { listenMs: 30_000, loadMs: 60_000 };

/**
 * The `NODE_OPTIONS` the function may start with, as the buildpacks make them from its own
 * (`OPSFN_RUNTIME_NODE_OPTIONS`, the service's `NODE_OPTIONS` the deployment passes to the build):
 * - with `GOOGLE_CONTAINER_MEMORY_HINT_MB` in the build, the functions-framework buildpack puts
 *   `--max-old-space-size=<hint − 64>` before them at launch (`cmd/nodejs/functions_framework` in
 *   GoogleCloudPlatform/buildpacks), the one set a start then runs with;
 * - without it, they stay as they are, or the Node.js runtime buildpack's launch script adds
 *   `--max-old-space-size=<80 % of the memory limit>` when they name no heap size (`cmd/nodejs/runtime/exec/heapsize.sh`):
 *   written for both when the deployment passes the function's memory (`OPSFN_MEMORY_MB`).
 */
export function flagSets(env: NodeJS.ProcessEnv): string[] {
  const own = env.OPSFN_RUNTIME_NODE_OPTIONS?.trim() ?? '';
  const hint = Number(env.GOOGLE_CONTAINER_MEMORY_HINT_MB);
  if (Number.isInteger(hint) && hint > BUILDPACK_HEADROOM_MB) {
    return [`--max-old-space-size=${hint - BUILDPACK_HEADROOM_MB} ${own}`.trim()];
  }
  const memory = Number(env.OPSFN_MEMORY_MB);
  if (own.includes('max-old-space-size') || !Number.isInteger(memory) || memory <= 0) return [own];
  return [own, `${own} --max-old-space-size=${Math.floor((memory * 80) / 100)}`.trim()];
}

/** The bundle's own JavaScript files (not its dependencies, not this script). */
function bundleFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(path);
      } else if (entry.name.endsWith('.js') && path !== fileURLToPath(import.meta.url)) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files.sort();
}

/** A free loopback port (released before use: a small race another process could win). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Its exit code; rejects when it could not be started. */
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => done(code));
  });
}

/** Starts functions-framework on the bundle, sends it one request, stops it; Node writes the cache as it exits. */
async function startOnce(root: string, target: string, env: NodeJS.ProcessEnv, listenMs: number): Promise<void> {
  const framework = join(
    dirname(createRequire(join(root, 'package.json')).resolve('@google-cloud/functions-framework')),
    'main.js',
  );
  const port = await freePort();
  const child = spawn(process.execPath, [framework, `--target=${target}`, `--source=${root}`, `--port=${port}`], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const done = exited(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  const deadline = Date.now() + listenMs;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`functions-framework exited with ${child.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`functions-framework did not answer within ${listenMs / 1000}s`);
      try {
        // Whatever it answers (the build has no config for it): what matters is what answering loads.
        await (
          await fetch(`http://127.0.0.1:${port}/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
            signal: AbortSignal.timeout(10_000),
          })
        ).arrayBuffer();
        break;
      } catch {
        await new Promise((wait) => setTimeout(wait, 20));
      }
    }
  } finally {
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await done.catch(() => undefined);
    clearTimeout(force);
  }
}

/** Imports every file of the bundle in a process of its own, which writes their cache as it exits. */
async function loadAll(root: string, env: NodeJS.ProcessEnv, loadMs: number): Promise<void> {
  const urls = bundleFiles(root).map((file) => pathToFileURL(file).href);
  const script = [
    `for (const url of ${JSON.stringify(urls)}) { try { await import(url); } catch {} }`,
    "(await import('node:module')).default.flushCompileCache?.();",
    'process.exit(0);',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, stdio: 'ignore' });
  // A module that never lets its process end (a timer, a socket) must not hold the deploy's build.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, loadMs);
  try {
    const code = await exited(child);
    if (timedOut) throw new Error(`importing the bundle's files took over ${loadMs / 1000}s; stopped`);
    if (code !== 0) throw new Error(`importing the bundle's files exited with ${code}`);
  } finally {
    clearTimeout(deadline);
  }
}

/** Fills `<root>/.compile-cache` for `target`; returns the lines it reports. */
export async function fillCompileCache(
  root: string,
  target: string,
  env = process.env,
  deadlines: CompileCacheDeadlines = DEADLINES,
): Promise<string[]> {
  if (!HAS_COMPILE_CACHE) {
    return [`compile cache: Node ${process.version} has none; skipped`];
  }
  const dir = join(root, COMPILE_CACHE_DIR);
  const report: string[] = [];
  try {
    // A cache uploaded with the source was written elsewhere, for other files: never ship it.
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    return [`WARNING compile cache: cannot remove ${relative(root, dir)}: ${(error as Error).message}`];
  }
  for (const flags of flagSets(env)) {
    // NODE_ENV as the buildpack launches the function (the build runs its scripts with `development`).
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      NODE_COMPILE_CACHE: dir,
      NODE_OPTIONS: flags,
      NODE_ENV: 'production',
    };
    delete childEnv.NODE_DISABLE_COMPILE_CACHE;
    const label = flags === '' ? 'no NODE_OPTIONS' : `NODE_OPTIONS="${flags}"`;
    try {
      await startOnce(root, target, childEnv, deadlines.listenMs);
      await loadAll(root, childEnv, deadlines.loadMs);
      report.push(`compile cache: written for ${label}`);
    } catch (error) {
      report.push(`WARNING compile cache: not written for ${label}: ${(error as Error).message}`);
    }
  }
  let entries = 0;
  try {
    const directories = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
    for (const d of directories) entries += readdirSync(join(dir, d.name)).length;
    // What a start compares with its own directory, to tell a cache for other paths from one it can read.
    const marker = { root, node: process.version, directories: directories.map((d) => d.name).sort() };
    writeFileSync(join(dir, COMPILE_CACHE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  } catch (error) {
    report.push(`WARNING compile cache: cannot read back ${relative(root, dir)}: ${(error as Error).message}`);
  }
  report.push(`compile cache: ${entries} entries in ${relative(root, dir)} (Node ${process.version})`);
  return report;
}

/** The `gcp-build` step: never fails the build (a cache is an optimisation), and says what it did. */
async function main(): Promise<void> {
  const target = process.env.GOOGLE_FUNCTION_TARGET ?? process.argv[2];
  if (!target) {
    console.log('WARNING compile cache: no function target (GOOGLE_FUNCTION_TARGET or an argument); skipped');
    return;
  }
  try {
    for (const line of await fillCompileCache(dirname(fileURLToPath(import.meta.url)), target)) console.log(line);
  } catch (error) {
    console.log(`WARNING compile cache: ${(error as Error).message}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
