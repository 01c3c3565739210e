import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeBinary } from '../tools/node/node-runtime.js';

// `npm run bench [-- --smoke] [-- --node 22] [-- <name filter>]`: every bench/*.bench.ts in its own child
// process, one after the other (timings from benches running side by side on a small machine would be noise).

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ONE = '--one';
/** Flags that take a value: passed on to each bench with it (`--runs 9`). */
const VALUED = new Set(['--runs']);

/** The command line split: flags for the benches, name filters, and the Node version to run on. */
export function parseBenchArgs(args: string[]): { flags: string[]; filters: string[]; node?: string } {
  const flags: string[] = [];
  const filters: string[] = [];
  let node: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    if (arg === '--node' || arg.startsWith('--node=')) {
      node = arg === '--node' ? args[++i] : arg.slice('--node='.length);
      if (!node) throw new Error('--node takes a version, such as --node 22');
    } else if (VALUED.has(arg)) {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} takes a value`);
      flags.push(arg, value);
    } else if (arg.startsWith('--')) {
      flags.push(arg);
    } else {
      filters.push(arg);
    }
  }
  return { flags, filters, ...(node ? { node } : {}) };
}

/** The bench files to run, sorted; `filters` keep only names containing one of them. */
export async function benchFiles(dir: string, filters: string[] = []): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.bench.ts')).sort();
  return filters.length === 0 ? files : files.filter((name) => filters.some((f) => name.includes(f)));
}

function runChild(node: string, file: string, flags: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(node, ['--import', 'tsx', fileURLToPath(import.meta.url), ONE, file, ...flags], {
      stdio: 'inherit',
      env: {
        ...process.env,
        // The Node `npm run bundle` would run on here (a deployer's), when the bench itself runs on another.
        ...(node === process.execPath ? {} : { OPSFN_BENCH_BUILD_NODE: process.execPath }),
        ...(flags.includes('--smoke') ? { BENCH_SMOKE: '1' } : {}),
      },
    });
    child.once('error', () => done(1));
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** Runs every bench sequentially, each in a fresh process; resolves to the process exit code. */
export async function runAll(args: string[]): Promise<number> {
  const { flags, filters, node: version } = parseBenchArgs(args);
  const node = version ? await nodeBinary(version) : process.execPath;
  const files = await benchFiles(BENCH_DIR, filters);
  if (files.length === 0) {
    console.error(`no bench/*.bench.ts matches ${filters.join(', ') || 'anything'}`);
    return 1;
  }
  const failed: string[] = [];
  for (const file of files) {
    console.log(`\n▶ ${file}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}${version ? ` on Node ${version}` : ''}`);
    const started = Date.now();
    const code = await runChild(node, join(BENCH_DIR, file), flags);
    console.log(`${code === 0 ? '✓' : '✗'} ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (code !== 0) failed.push(file);
  }
  if (failed.length > 0) console.error(`\n${failed.length} bench(es) failed: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

/** Child side: imports one bench and awaits its exported `main(args)`. */
async function runOne(file: string, flags: string[]): Promise<number> {
  const bench = (await import(pathToFileURL(file).href)) as { main?: (args: string[]) => unknown };
  if (typeof bench.main !== 'function') {
    console.error(`${file} does not export main()`);
    return 1;
  }
  await bench.main(flags);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const work = args[0] === ONE ? runOne(String(args[1]), args.slice(2)) : runAll(args);
  work.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
