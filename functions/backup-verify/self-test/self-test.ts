import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { openObjectStore } from '../../../shared/adapters/storage/index.js';
import type { Context, RunResult } from '../../../shared/core/run/index.js';
import { verifyObjectStore } from '../checks/object-store.js';
import { ObjectStoreBackupSchema } from '../config.js';
import type { Check } from '../types.js';
import { sampleDump } from './sample-dump.js';

/** One broken copy and whether the check it must trip did fail. */
export interface SelfTestItem {
  case: string;
  expects: string;
  status: 'pass' | 'fail';
  detail: string;
}

interface BrokenCopy {
  name: string;
  expects: string;
  file: string;
  body: Buffer;
  sidecar?: string;
  ageMs?: number;
}

const DAY = 86_400_000;

function brokenCopies(gz: Buffer, plain: Buffer, nowMs: number): BrokenCopy[] {
  const sha = createHash('sha256').update(gz).digest('hex');
  const corrupted = Buffer.from(gz);
  // Flip a run of bytes in the middle of the deflate data: the decoder or the gzip CRC must notice.
  for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 16; i++) corrupted[i] = corrupted[i]! ^ 0x5a;
  const stale = new Date(nowMs - 3 * DAY).toISOString().slice(0, 10).replaceAll('-', '');
  return [
    { name: 'intact', expects: 'none', file: 'db.sql.gz', body: gz, sidecar: `${sha}  db.sql.gz\n` },
    { name: 'truncated', expects: 'integrity', file: 'db.sql.gz', body: gz.subarray(0, Math.floor(gz.length * 0.6)) },
    { name: 'corrupted', expects: 'integrity', file: 'db.sql.gz', body: corrupted },
    { name: 'emptied', expects: 'size', file: 'db.sql.gz', body: Buffer.alloc(0) },
    {
      name: 'checksum-mismatch',
      expects: 'checksum',
      file: 'db.sql.gz',
      body: gz,
      sidecar: `${'0'.repeat(64)}  db.sql.gz\n`,
    },
    { name: 'stale', expects: 'freshness', file: `db_${stale}_020000.sql.gz`, body: gz, ageMs: 3 * DAY },
    {
      name: 'incomplete',
      expects: 'completeness',
      file: 'db.sql.gz',
      body: gzipSync(plain.subarray(0, plain.length - 60)),
    },
  ];
}

function judge(copy: BrokenCopy, checks: Check[]): SelfTestItem {
  const failing = checks.filter((c) => c.status === 'fail');
  const summary = failing.map((c) => `${c.name}: ${c.detail}`).join('; ') || 'no check failed';
  const passed = copy.expects === 'none' ? failing.length === 0 : failing.some((c) => c.name === copy.expects);
  return {
    case: copy.name,
    expects: copy.expects === 'none' ? 'every check ok' : `${copy.expects} fails`,
    status: passed ? 'pass' : 'fail',
    detail: summary,
  };
}

/**
 * Proves the verifier catches what it claims to: writes a small generated dump and deliberately broken
 * copies of it (truncated, corrupted in the middle, emptied, checksum-mismatched, stale, cut before its
 * trailer) to a scratch `file://` directory, verifies each and checks the RIGHT check fails.
 */
export async function selfTest(ctx: Context): Promise<RunResult<SelfTestItem>> {
  const nowMs = ctx.now().getTime();
  const plain = await buffer(sampleDump({ rows: 5_000 }));
  const gz = gzipSync(plain);
  const dir = await mkdtemp(join(tmpdir(), 'opsfn-self-test-'));
  try {
    const items: SelfTestItem[] = [];
    for (const copy of brokenCopies(gz, plain, nowMs)) {
      const caseDir = join(dir, copy.name);
      await mkdir(caseDir);
      const path = join(caseDir, copy.file);
      await writeFile(path, copy.body);
      if (copy.sidecar) await writeFile(`${path}.sha256`, copy.sidecar);
      const mtime = new Date(nowMs - (copy.ageMs ?? 60_000));
      await utimes(path, mtime, mtime);
      const backup = ObjectStoreBackupSchema.parse({
        kind: 'object-store',
        url: `file://${caseDir}/`,
        pattern: '*.sql.gz',
      });
      const outcome = await verifyObjectStore(backup, {
        open: openObjectStore,
        storeOptions: {},
        nowMs,
        timeZone: 'UTC',
        signal: ctx.signal,
      });
      items.push(judge(copy, outcome.checks));
    }
    const failed = items.filter((i) => i.status === 'fail');
    return {
      outcome: failed.length === 0 ? 'ok' : 'fail',
      summary:
        failed.length === 0
          ? `self-test passed: all ${items.length} cases failed the right check`
          : `self-test FAILED: ${failed.map((i) => `${i.case} (expected ${i.expects}; got ${i.detail})`).join('; ')}`,
      items,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
