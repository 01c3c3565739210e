import { execFile, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { sampleDump } from '../functions/backup-verify/self-test/sample-dump.js';
import { restoreDump } from '../shared/adapters/databases/restore.js';
import { withScratchDatabase } from '../shared/adapters/databases/scratch.js';
import { S3ObjectStore } from '../shared/adapters/storage/s3-object-store.js';
import { startS3Server } from '../test/support/s3-server.js';
import type { ChildReport } from './fixtures/backup-verify-child.js';
import { timed } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const run = promisify(execFile);

/** A pg_dump-shaped plain dump whose rows carry random hex, so it compresses like real data (≈3:1), gzip level 6. */
async function writeGzipDump(path: string, minGzipBytes: number): Promise<number> {
  const out = createWriteStream(path);
  const gzip = createGzip({ level: 6 });
  let id = 0;
  let finished = false;
  const source = new Readable({
    read() {
      if (finished) {
        this.push(null);
        return;
      }
      if (out.bytesWritten >= minGzipBytes) {
        finished = true;
        this.push('\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n');
        return;
      }
      if (id === 0)
        this.push('--\n-- PostgreSQL database dump\n--\n\nCOPY public.events (id, kind, payload) FROM stdin;\n');
      const hex = randomBytes(8 * 4000).toString('hex');
      const lines: string[] = [];
      for (let i = 0; i < 4000; i++) {
        id += 1;
        lines.push(
          `${id}\torder.updated\t{"order": ${id % 100_000}, "status": "shipped", "ref": "${hex.slice(i * 16, i * 16 + 16)}"}`,
        );
      }
      this.push(`${lines.join('\n')}\n`);
    },
  });
  await pipeline(source, gzip, out);
  return id;
}

/** Bundles the verify child with esbuild as the function bundles are built, so it runs on plain Node without the TypeScript loader. */
async function bundleChild(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(dir, 'verify-child.mjs');
  await build({
    entryPoints: [join(HERE, 'fixtures', 'backup-verify-child.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

/** Runs one verify in a fresh Node process, so its peak RSS is the verifier's alone. */
function verifyInChild(script: string, endpoint: string): Promise<ChildReport> {
  const child = fork(script, [], { execArgv: [], stdio: 'inherit', env: { ...process.env, BENCH_S3: endpoint } });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as ChildReport));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`verify child exited ${code}`))));
  });
}

async function verifyBench(dir: string, gzipMiB: number): Promise<Record<string, unknown>> {
  const file = join(dir, 'db_dump.sql.gz');
  const rows = await writeGzipDump(file, gzipMiB * MiB);
  const bytes = (await stat(file)).size;
  const server = await startS3Server(['bench']);
  try {
    const store = new S3ObjectStore({
      bucket: 'bench',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
      timeoutMs: 120_000,
    });
    await store.write('dumps/db_dump.sql.gz', createReadStream(file));
    const script = await bundleChild(dir);
    const ours: ChildReport[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < 2; round++) {
      ours.push(await verifyInChild(script, server.endpoint));
      baseline.push(
        (await timed(() => run('sh', ['-c', 'gunzip -t "$1" && sha256sum "$1" >/dev/null', 'sh', file]))).ms,
      );
    }
    const best = ours.reduce((a, b) => (a.ms <= b.ms ? a : b));
    const baselineMs = Math.min(...baseline);
    const failing = best.result.checks.filter((c) => c.status !== 'ok' && c.status !== 'skipped');
    return {
      gzipBytes: bytes,
      rows,
      verdict: best.result.status,
      failingChecks: failing,
      backupVerifyMs: Math.round(best.ms),
      baselineMs: Math.round(baselineMs),
      ratio: Number((baselineMs / best.ms).toFixed(2)),
      peakRssMiB: Math.max(...ours.map((o) => o.maxRssMiB)),
      rssBeforeVerifyMiB: Math.max(...ours.map((o) => o.startRssMiB)),
      rounds: { backupVerifyMs: ours.map((o) => Math.round(o.ms)), baselineMs: baseline.map(Math.round) },
      targets: { ratio: 1.5, peakRssMiB: 150 },
    };
  } finally {
    await server.stop();
  }
}

async function restoreBench(dir: string, rows: number): Promise<Record<string, unknown>> {
  const file = join(dir, 'restore.sql.gz');
  await pipeline(sampleDump({ rows }), createGzip({ level: 6 }), createWriteStream(file));
  const suffix = randomBytes(4).toString('hex');
  const ours = await timed(() =>
    withScratchDatabase({ engine: 'postgres', url: PG }, `opsfn_restore_bench_${suffix}`, async (db) => {
      // The rows come from psql's COPY tags during the load, as in a restore test: no statistics pass.
      const stats = await restoreDump(createReadStream(file), db, { timeoutMs: 30 * 60_000, stripOwnership: true });
      return { loadMs: stats.durationMs, rowsLoaded: stats.rows };
    }),
  );
  const baseDb = `opsfn_bench_base_${suffix}`;
  await run('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-c', `CREATE DATABASE ${baseDb}`]);
  let baselineMs: number;
  try {
    baselineMs = (
      await timed(() =>
        run('sh', [
          '-c',
          'gunzip -c "$1" | psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d "$2" >/dev/null',
          'sh',
          file,
          baseDb,
        ]),
      )
    ).ms;
  } finally {
    await run('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-c', `DROP DATABASE IF EXISTS ${baseDb}`]);
  }
  return {
    rows,
    gzipBytes: (await stat(file)).size,
    restoreLoadMs: Math.round(ours.value.loadMs),
    restoreTotalMs: Math.round(ours.ms),
    rowsLoaded: ours.value.rowsLoaded,
    baselineMs: Math.round(baselineMs),
    ratio: Number((ours.value.loadMs / baselineMs).toFixed(2)),
    ratioTotal: Number((ours.ms / baselineMs).toFixed(2)),
    targets: { ratio: 1.2 },
  };
}

/** Times backupVerify on a ≥ 200 MiB gzip dump on the loopback S3 server and a 1M-row restore, each against its shell baseline. */
export async function main(args: string[] = process.argv.slice(2)): Promise<Record<string, unknown>> {
  const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-bv-bench-'));
  try {
    const verify = await verifyBench(dir, smoke ? 16 : 210);
    console.log(
      `backupVerify on ${(Number(verify.gzipBytes) / MiB).toFixed(0)} MiB gzip via S3: ${verify.backupVerifyMs} ms (verdict ${verify.verdict}), peak RSS ${verify.peakRssMiB} MiB (target < 150; ${verify.rssBeforeVerifyMiB} MiB before the verify began)`,
    );
    console.log(
      `gunzip -t && sha256sum on a local copy: ${verify.baselineMs} ms; speed-up ${verify.ratio}x (target >= 1.5x)`,
    );
    const restore = await restoreBench(dir, smoke ? 100_000 : 1_000_000);
    console.log(
      `restore of ${restore.rows} rows: load ${restore.restoreLoadMs} ms (with create and drop: ${restore.restoreTotalMs} ms) vs gunzip -c | psql ${restore.baselineMs} ms; ratio ${restore.ratio} (target <= 1.2)`,
    );
    const result = { smoke, verify, restore, node: process.version, at: new Date().toISOString() };
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(
      join(HERE, 'results', smoke ? 'backup-verify.smoke.json' : 'backup-verify.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
