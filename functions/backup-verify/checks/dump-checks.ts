import type { ObjectInfo } from '../../../shared/adapters/storage/index.js';
import type { ScanResult } from '../scan/scan-object.js';
import { type Check, check } from '../types.js';

/** `integrity`: the gzip stream decodes to its end, and a tar archive reads through to its end marker. */
export function integrityCheck(scan: ScanResult, isTar: boolean): Check {
  if (scan.decodeError !== undefined) return check('integrity', 'fail', scan.decodeError, { bytes: scan.bytes });
  if (isTar && scan.tar && !scan.tar.complete) {
    return check('integrity', 'fail', `tar archive unreadable: ${scan.tar.error ?? 'incomplete'}`, {
      entries: scan.tar.entries,
    });
  }
  const data = { bytes: scan.bytes, decodedBytes: scan.decodedBytes };
  const tar = isTar && scan.tar ? `; tar archive of ${scan.tar.entries} entries read to its end` : '';
  if (scan.gzip)
    return check('integrity', 'ok', `gzip decoded to its end (${scan.bytes} → ${scan.decodedBytes} bytes)${tar}`, data);
  if (tar) return check('integrity', 'ok', `read ${scan.bytes} bytes (not compressed)${tar}`, data);
  // Nothing was decoded, so nothing was proved: every byte read is all any file would show.
  return check(
    'integrity',
    'skipped',
    `nothing to decode: read ${scan.bytes} bytes, neither compressed (gzip) nor an archive (tar); see completeness`,
    data,
  );
}

/** Parses a `sha256sum`-style sidecar: the first 64-hex-digit word. */
export function parseSidecar(text: string): string | undefined {
  return /(?:^|\s)([0-9a-f]{64})(?:\s|$)/i.exec(text)?.[1]?.toLowerCase();
}

/** `checksum`: every checksum the store keeps, and a `.sha256` sidecar, against the bytes just read. */
export function checksumCheck(scan: ScanResult, info: ObjectInfo, sidecar: string | undefined): Check {
  const matched: string[] = [];
  const failed: string[] = [];
  const warned: string[] = [];
  const compare = (label: string, expected: string, actual: string | undefined) => {
    if (actual === undefined) return;
    (expected === actual ? matched : failed).push(
      expected === actual ? label : `${label} expected ${expected}, got ${actual}`,
    );
  };
  if (info.sha256) compare('store SHA-256', info.sha256.toLowerCase(), scan.sha256);
  if (info.md5) compare('store MD5', info.md5, scan.md5);
  if (info.crc32c) compare('store CRC32C', info.crc32c, scan.crc32c);
  const etag = etagMd5(info);
  if (!info.md5 && etag && scan.md5) {
    const actual = Buffer.from(scan.md5, 'base64').toString('hex');
    // An ETag is the MD5 only for single-part, unencrypted (or SSE-S3) uploads, so a mismatch is only a warning.
    if (etag === actual) matched.push('ETag MD5');
    else warned.push(`ETag ${etag} is not the MD5 ${actual} (multipart or KMS-encrypted upload?)`);
  }
  if (sidecar !== undefined) {
    const expected = parseSidecar(sidecar);
    if (expected === undefined) failed.push('sidecar .sha256 holds no SHA-256');
    else compare('sidecar .sha256', expected, scan.sha256);
  }
  const data = { sha256: scan.sha256 };
  if (failed.length > 0) return check('checksum', 'fail', `checksum mismatch: ${failed.join('; ')}`, data);
  if (warned.length > 0)
    return check('checksum', 'warn', [...warned, ...matched.map((m) => `${m} matches`)].join('; '), data);
  if (matched.length > 0) return check('checksum', 'ok', `${matched.join(', ')} match`, data);
  return check('checksum', 'skipped', `no stored checksum or sidecar to compare; sha256 ${scan.sha256}`, data);
}

function etagMd5(info: ObjectInfo): string | undefined {
  const etag = info.etag?.replaceAll('"', '').toLowerCase();
  return etag && /^[0-9a-f]{32}$/.test(etag) ? etag : undefined;
}

const PG_HEAD = '-- PostgreSQL database dump';
const PG_TAIL = '-- PostgreSQL database dump complete';
/**
 * pg_dumpall writes `--\n-- PostgreSQL database cluster dump\n--\n\n` first and
 * `--\n-- PostgreSQL database cluster dump complete\n--\n\n` last (PostgreSQL's src/bin/pg_dump/pg_dumpall.c,
 * `main`; since 17.6 a `\unrestrict` line comes just before that trailer). Each database inside is a pg_dump of its
 * own with its own "dump complete" trailer, so only the cluster trailer tells the whole dump was written.
 */
const PG_ALL_HEAD = '-- PostgreSQL database cluster dump';
const PG_ALL_TAIL = '-- PostgreSQL database cluster dump complete';
const MY_HEAD = /^-- (MySQL|MariaDB) dump/m;
const MY_TAIL = '-- Dump completed';

/** A dump format the first decoded bytes show. */
export type DumpFormat = 'pg_dump' | 'pg_dumpall' | 'mysqldump' | 'pg_custom' | 'unknown';

/** The formats whose end completeness can judge, as a sentence. */
const JUDGED = 'plain pg_dump, pg_dumpall and mysqldump output (gzip or not), by the trailer each writes last';

/** The dump format the first decoded bytes show. */
export function dumpFormat(head: string): DumpFormat {
  if (head.startsWith('PGDMP')) return 'pg_custom';
  // Before pg_dump: the first database of a cluster dump carries pg_dump's own header.
  if (head.includes(PG_ALL_HEAD)) return 'pg_dumpall';
  if (head.includes(PG_HEAD)) return 'pg_dump';
  if (MY_HEAD.test(head) || head.includes('mysqldump') || head.includes('mariadb-dump')) return 'mysqldump';
  return 'unknown';
}

/**
 * `completeness`: a plain dump ends with the trailer its tool writes last. A dump in a format it cannot judge warns,
 * unless the backup says its dumps are such (`judgeUnknown: false`, the backup's `completeness: false`): then it is
 * skipped. A dump it recognises is judged either way, and one that decodes to nothing fails either way.
 */
export function completenessCheck(scan: ScanResult, isTar: boolean, judgeUnknown = true): Check {
  if (scan.decodeError !== undefined) return check('completeness', 'skipped', 'not judged: the object does not decode');
  if (isTar) return check('completeness', 'skipped', 'tar archive: see integrity for the end-of-archive marker');
  // `pg_dump … | gzip > f.sql.gz` writes a valid, empty gzip when pg_dump fails at once; `gunzip -t` passes it.
  const decoded = scan.gzip ? scan.decodedBytes : scan.bytes;
  if (decoded === 0) {
    return check(
      'completeness',
      'fail',
      'the dump holds no data (it decodes to 0 bytes): the dump command failed before writing anything',
      { bytes: scan.bytes },
    );
  }
  const format = dumpFormat(scan.head);
  const judged = TRAILERS[format];
  if (judged) {
    return scan.tail.includes(judged.trailer)
      ? check('completeness', 'ok', judged.present(scan.tail), { format })
      : check('completeness', 'fail', `${format} trailer "${judged.trailer}" missing: the dump was cut short`, {
          format,
        });
  }
  const what =
    format === 'pg_custom' ? 'a pg_dump custom-format archive (no text trailer)' : 'in a format not recognised';
  if (!judgeUnknown) {
    return check('completeness', 'skipped', `not checked (completeness: false): the dump is ${what}`, { format });
  }
  return check(
    'completeness',
    'warn',
    `cannot tell whether the dump is complete: it is ${what}; completeness judges ${JUDGED} (completeness: false on this backup accepts dumps it cannot judge)`,
    { format },
  );
}

/** The text formats whose end can be told, by the trailer their dump command writes last. */
const TRAILERS: Record<string, { trailer: string; present: (tail: string) => string }> = {
  pg_dump: { trailer: PG_TAIL, present: () => 'pg_dump trailer "dump complete" present' },
  pg_dumpall: { trailer: PG_ALL_TAIL, present: () => 'pg_dumpall trailer "cluster dump complete" present' },
  mysqldump: { trailer: MY_TAIL, present: (tail) => `mysqldump trailer present (${lastTrailer(tail)})` },
};

function lastTrailer(tail: string): string {
  return tail.slice(tail.lastIndexOf(MY_TAIL)).split('\n')[0]?.trim() ?? MY_TAIL;
}
