import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip, createGzip } from 'node:zlib';
import { scanMysqlDump } from '../shared/adapters/databases/mysql-scan.js';
import { restoreDump } from '../shared/adapters/databases/restore.js';
import { withScratchDatabase } from '../shared/adapters/databases/scratch.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MYSQL = 'mysql://root@127.0.0.1:3306/';
const MARIADB = ['-h', '127.0.0.1', '-u', 'root', '--protocol=TCP'];
const run = promisify(execFile);

/** A mariadb-dump-shaped dump: one table, multi-row INSERTs of 1,000 rows with random hex, one row a line. */
async function writeDump(path: string, rows: number): Promise<void> {
  let id = 0;
  const source = Readable.from(
    (function* () {
      yield '-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\nDROP TABLE IF EXISTS `events`;\n';
      yield 'CREATE TABLE `events` (\n  `id` bigint(20) NOT NULL,\n  `payload` text NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n';
      yield 'LOCK TABLES `events` WRITE;\n';
      while (id < rows) {
        const hex = randomBytes(16 * 1000).toString('hex');
        const values: string[] = [];
        for (let i = 0; i < 1000 && id < rows; i++) {
          id += 1;
          values.push(`(${id},'{\\"order\\": ${id}, \\"ref\\": \\"${hex.slice(i * 32, i * 32 + 32)}\\"}')`);
        }
        yield `INSERT INTO \`events\` VALUES ${values.join(',\n')};\n`;
      }
      yield 'UNLOCK TABLES;\n-- Dump completed on 2025-01-01  0:00:00\n';
    })(),
  );
  await pipeline(source, createGzip({ level: 6 }), createWriteStream(path));
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** What the scan adds to reading and inflating the dump, its output discarded: its cost beside the client. */
async function scanOnly(file: string): Promise<number> {
  const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const inflate = () => createGunzip({ chunkSize: 256 * 1024 });
  const scan = () => scanMysqlDump({ database: 'bench', stripDefiners: true, onViolation: () => undefined });
  const withScan = await timed(() => pipeline(createReadStream(file), inflate(), scan(), sink()));
  const without = await timed(() => pipeline(createReadStream(file), inflate(), sink()));
  return Math.max(withScan.ms - without.ms, 0);
}

/** A restore of a gzip mysqldump through restoreDump (sandboxed client, scan, loader) against `gunzip -c | mariadb`. */
export async function main(args: string[] = process.argv.slice(2)): Promise<Record<string, unknown>> {
  const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const rows = smoke ? 50_000 : 500_000;
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-my-bench-'));
  try {
    const file = join(dir, 'dump.sql.gz');
    await writeDump(file, rows);
    const suffix = randomBytes(4).toString('hex');
    const ours: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < 2; round++) {
      const name = `opsfn_restore_bench_${suffix}_${round}`;
      ours.push(
        (
          await withScratchDatabase({ engine: 'mysql', url: MYSQL }, name, (db) =>
            restoreDump(createReadStream(file), db, { timeoutMs: 30 * 60_000, stripOwnership: true }),
          )
        ).durationMs,
      );
      const base = `opsfn_bench_base_${suffix}_${round}`;
      await run('mariadb', [...MARIADB, '-e', `CREATE DATABASE ${base}`]);
      try {
        const script = 'gunzip -c "$1" | mariadb -h 127.0.0.1 -u root --protocol=TCP "$2"';
        baseline.push((await timed(() => run('sh', ['-c', script, 'sh', file, base]))).ms);
      } finally {
        await run('mariadb', [...MARIADB, '-e', `DROP DATABASE IF EXISTS ${base}`]);
      }
    }
    const scanMs = await scanOnly(file);
    const result = {
      smoke,
      rows,
      gzipBytes: (await stat(file)).size,
      restoreMs: Math.round(Math.min(...ours)),
      baselineMs: Math.round(Math.min(...baseline)),
      ratio: Number((Math.min(...ours) / Math.min(...baseline)).toFixed(2)),
      scanOnlyMs: Math.round(scanMs),
      rounds: { restoreMs: ours.map(Math.round), baselineMs: baseline.map(Math.round) },
      node: process.version,
      at: new Date().toISOString(),
    };
    console.log(
      `mysql restore of ${rows} rows: ${result.restoreMs} ms vs gunzip -c | mariadb ${result.baselineMs} ms; ratio ${result.ratio}; the scan alone ${result.scanOnlyMs} ms`,
    );
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(
      join(HERE, 'results', smoke ? 'mysql-restore.smoke.json' : 'mysql-restore.json'),
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
