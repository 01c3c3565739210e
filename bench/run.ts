import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// `npm run bench [-- --smoke] [-- <name filter>]`: every bench/*.bench.ts in its own child process, one
// after the other (timings from benches running side by side on a small machine would be noise).

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ONE = '--one';

/** The bench files to run, sorted; `filters` keep only names containing one of them. */
export async function benchFiles(dir: string, filters: string[] = []): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.bench.ts')).sort();
  return filters.length === 0 ? files : files.filter((name) => filters.some((f) => name.includes(f)));
}

function runChild(file: string, flags: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ONE, file, ...flags], {
      stdio: 'inherit',
      env: { ...process.env, ...(flags.includes('--smoke') ? { BENCH_SMOKE: '1' } : {}) },
    });
    child.once('error', () => done(1));
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** Runs every bench sequentially, each in a fresh process; resolves to the process exit code. */
export async function runAll(args: string[]): Promise<number> {
  const flags = args.filter((a) => a.startsWith('--'));
  const filters = args.filter((a) => !a.startsWith('--'));
  const files = await benchFiles(BENCH_DIR, filters);
  if (files.length === 0) {
    console.error(`no bench/*.bench.ts matches ${filters.join(', ') || 'anything'}`);
    return 1;
  }
  const failed: string[] = [];
  for (const file of files) {
    console.log(`\n▶ ${file}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`);
    const started = Date.now();
    const code = await runChild(join(BENCH_DIR, file), flags);
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
