import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { sampleDump } from '../../../functions/backup-verify/self-test/sample-dump.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';

const run = promisify(execFile);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A gzip plain pg_dump of `rows` rows, generated. */
export async function gzDump(rows = 2_000, options: { withoutTrailer?: boolean } = {}): Promise<Buffer> {
  return gzipSync(await buffer(sampleDump({ rows, ...options })));
}

/**
 * A plain pg_dumpall of `databases` databases of `rows` rows each, laid out as pg_dumpall writes it (PostgreSQL's
 * src/bin/pg_dump/pg_dumpall.c): its cluster header, the roles, each database as a pg_dump of its own, its trailer.
 */
export async function pgDumpall(
  options: { roles?: number; databases?: number; rows?: number; unrestrict?: boolean } = {},
): Promise<Buffer> {
  const key = 'Ab3kQ9';
  const parts = [
    '--\n-- PostgreSQL database cluster dump\n--\n\n',
    ...(options.unrestrict ? [`\\restrict ${key}\n\n`] : []),
    "SET default_transaction_read_only = off;\n\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n",
    '--\n-- Roles\n--\n\n',
  ];
  for (let i = 0; i < (options.roles ?? 40); i++)
    parts.push(`CREATE ROLE app_role_${i};\nALTER ROLE app_role_${i} WITH NOSUPERUSER INHERIT NOCREATEROLE LOGIN;\n`);
  parts.push('\n--\n-- Databases\n--\n\n');
  const dumps: Buffer[] = [];
  for (let i = 0; i < (options.databases ?? 1); i++) {
    dumps.push(Buffer.from(`--\n-- Database "app${i}" dump\n--\n\n`));
    dumps.push(await buffer(sampleDump({ rows: options.rows ?? 5_000, table: `t${i}` })));
  }
  const tail = [
    ...(options.unrestrict ? [`\\unrestrict ${key}\n\n`] : []),
    '--\n-- PostgreSQL database cluster dump complete\n--\n\n',
  ];
  return Buffer.concat([Buffer.from(parts.join('')), ...dumps, Buffer.from(tail.join(''))]);
}

export const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** A temporary directory that tests fill with backup files. */
export async function tempDir(): Promise<{
  dir: string;
  put(name: string, body: Buffer | string, ageMs?: number): Promise<string>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-bv-'));
  return {
    dir,
    async put(name, body, ageMs = HOUR) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
      const t = new Date(Date.now() - ageMs);
      await utimes(path, t, t);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A real `tar -czf` (or `-cf`) archive of a few generated files. */
export async function tarArchive(gzip: boolean): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-tar-'));
  try {
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'config', 'app.yaml'), 'a: 1\n'.repeat(2000));
    await writeFile(join(dir, 'config', 'db.yaml'), 'b: 2\n'.repeat(10));
    await run('tar', [gzip ? '-czf' : '-cf', join(dir, 'out'), '-C', dir, 'config']);
    return await readFile(join(dir, 'out'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `YYYYMMDD_HHMMSS` of an instant, in UTC. */
export function stamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

/** A result's checks as `{ name: status }` (the last one wins for repeated names). */
export const statuses = (r: BackupResult | undefined): Record<string, string> =>
  Object.fromEntries(r?.checks.map((c) => [c.name, c.status]) ?? []);

export const detail = (r: BackupResult | undefined, name: string): string =>
  r?.checks.find((c) => c.name === name)?.detail ?? '';
