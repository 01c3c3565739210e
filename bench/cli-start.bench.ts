import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'opsfn.js');
const CONFIG = join(ROOT, 'examples', 'local.yaml');
/** `opsfn --help` and `opsfn invoke` up to the run's start, at most this much over `node -e 0`. */
const TARGET_MS = 150;

/** One way to start a process, and the moment that counts as started. */
interface Subject {
  label: string;
  args: string[];
  /** The process has reached its mark when this line appears on stderr; at exit when undefined. */
  mark?: RegExp;
}

/** Spawn → exit (or → the mark line on stderr, then the process is killed), in milliseconds. */
function timeOnce(subject: Subject): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, subject.args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let marked: number | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (marked === undefined && subject.mark?.test(stderr)) {
        marked = performance.now() - started;
        child.kill('SIGKILL');
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => {
      if (marked !== undefined) return done(marked);
      if (subject.mark || code !== 0) return fail(new Error(`${subject.label} exited ${code}: ${stderr.slice(-500)}`));
      done(performance.now() - started);
    });
  });
}

/** One line of the report: a subject's times and how far over `node -e 0` it starts. */
interface CliStartRow {
  subject: string;
  medianMs: number;
  minMs: number;
  overNodeMs: number;
  ratio: number;
  reference?: boolean;
  withinTarget?: boolean;
}

/** Runs the benchmark: `--smoke` for 3 rounds, `--runs N` otherwise (default 20), interleaved round-robin. */
export async function main(args: string[] = process.argv.slice(2)) {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'opsfn.js'))) throw new Error('run "npm run build" first: no dist/cli');
  const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const at = args.indexOf('--runs');
  const runs = smoke ? 3 : Math.max(1, Number(at >= 0 ? args[at + 1] : 20) || 20);
  const subjects: Subject[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'opsfn --help', args: [BIN, '--help'] },
    {
      label: 'opsfn invoke certExpiry',
      args: [BIN, 'invoke', 'certExpiry', '--config', CONFIG],
      mark: /"decision":"received"/,
    },
    {
      label: 'opsfn invoke backupVerify',
      args: [BIN, 'invoke', 'backupVerify', '--config', CONFIG],
      mark: /"decision":"received"/,
    },
  ];
  const samples = subjects.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) {
    for (const [i, subject] of subjects.entries()) samples[i]?.push(await timeOnce(subject));
  }
  const floor = median(samples[0] ?? []);
  const rows = subjects.map((subject, i): CliStartRow => {
    const ms = median(samples[i] ?? []);
    return {
      subject: subject.label,
      medianMs: Math.round(ms),
      minMs: Math.round(Math.min(...(samples[i] ?? []))),
      overNodeMs: Math.round(ms - floor),
      ratio: Number((ms / floor).toFixed(2)),
      ...(i === 0 ? { reference: true } : { withinTarget: ms - floor <= TARGET_MS }),
    };
  });
  console.log(
    `CLI start, spawn → exit or the run's "received" audit line (median of ${runs}; node ${process.version})`,
  );
  for (const row of rows) {
    const verdict = row.withinTarget === undefined ? 'reference' : row.withinTarget ? 'ok' : 'MISSED';
    console.log(
      `  ${row.subject.padEnd(26)} ${String(row.medianMs).padStart(5)} ms (min ${String(row.minMs).padStart(4)})` +
        `  +${String(row.overNodeMs).padStart(4)} ms  ${row.ratio.toFixed(2)}×  ${verdict} ≤ +${TARGET_MS} ms`,
    );
  }
  const report = {
    bench: 'cli-start',
    at: new Date().toISOString(),
    node: process.version,
    runs,
    targetMs: TARGET_MS,
    rows,
  };
  const out = join(ROOT, 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'cli-start.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
