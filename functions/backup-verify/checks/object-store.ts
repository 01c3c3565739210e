import type { ObjectStore, OpenedStore, OpenObjectStoreOptions } from '../../../shared/adapters/storage/index.js';
import { s3SettingsOf, selectCandidates } from '../../../shared/adapters/storage/index.js';
import { errorMessage as message } from '../../../shared/core/errors/index.js';
import { withDeadline } from '../../../shared/core/run/index.js';
import type { ObjectStoreBackup } from '../config.js';
import { abortCause } from '../run-budget.js';
import { scanStream } from '../scan/scan-object.js';
import { type Check, check } from '../types.js';
import { checksumCheck, completenessCheck, integrityCheck } from './dump-checks.js';
import { type Candidate, freshnessCheck, retentionCheck, sizeCheck } from './object-listing.js';

/** What the object-store checks need from outside. */
export interface ObjectStoreDeps {
  open(url: string, options: OpenObjectStoreOptions): Promise<OpenedStore>;
  storeOptions: OpenObjectStoreOptions;
  nowMs: number;
  timeZone: string;
  signal: AbortSignal;
}

/** The checks of one object-store backup, plus the newest object for a restore test. */
export interface ObjectStoreOutcome {
  checks: Check[];
  newest?: Candidate;
  store?: ObjectStore;
}

const SIDECAR_MAX = 4096;

/** Lists the backup's objects and verifies the newest in one streaming pass. */
export async function verifyObjectStore(backup: ObjectStoreBackup, deps: ObjectStoreDeps): Promise<ObjectStoreOutcome> {
  let opened: OpenedStore;
  try {
    opened = await deps.open(backup.url, {
      ...deps.storeOptions,
      s3: { ...deps.storeOptions.s3, ...s3SettingsOf(backup) },
    });
  } catch (error) {
    return { checks: [check('access', 'fail', `cannot open ${backup.url}: ${message(error)}`)] };
  }
  // The backup's own timeout, and the run's time for verifying (in `deps.signal`): whichever ends first.
  const deadline = withDeadline(deps.signal, backup.timeout);
  try {
    return await verifyOpened(backup, deps, opened, deadline.signal);
  } finally {
    deadline.clear();
  }
}

async function verifyOpened(
  backup: ObjectStoreBackup,
  deps: ObjectStoreDeps,
  opened: OpenedStore,
  signal: AbortSignal,
): Promise<ObjectStoreOutcome> {
  const { store, location } = opened;
  let listing: Awaited<ReturnType<ObjectStore['list']>>;
  try {
    listing = await store.list(location.prefix, { signal });
  } catch (error) {
    const { why, data } = failure(error, signal, backup.timeout);
    return { checks: [check('access', 'fail', `cannot list ${backup.url}: ${why}`, data)], store };
  }
  const candidates = selectCandidates(listing, location.prefix, backup.pattern, deps.timeZone, deps.nowMs);
  const newest = candidates[0];
  if (!newest) {
    return {
      checks: [
        check(
          'freshness',
          'fail',
          `no object matching "${backup.pattern}" under ${backup.url} (${listing.length} objects listed)`,
        ),
      ],
      store,
    };
  }
  const checks = [
    freshnessCheck(newest, deps.nowMs, backup.rpo),
    sizeCheck(candidates, backup.minBytes, backup.sizeDropPercent),
    ...(await scanChecks(store, newest, backup, signal)),
    retentionCheck(candidates, deps.nowMs, backup.retentionDays, deps.timeZone),
  ];
  return { checks, newest, store };
}

async function scanChecks(
  store: ObjectStore,
  newest: Candidate,
  backup: ObjectStoreBackup,
  signal: AbortSignal,
): Promise<Check[]> {
  const key = newest.info.key;
  const isTar = /\.(tar|tar\.gz|tgz)$/i.test(key);
  let sidecar: string | undefined;
  try {
    sidecar = await readSidecar(store, `${key}.sha256`, signal);
  } catch (error) {
    return [check('checksum', 'fail', `cannot read sidecar ${key}.sha256: ${message(error)}`)];
  }
  // A listing carries no SHA-256 (S3 returns x-amz-checksum-sha256 on HEAD only), so ask for the object's own metadata.
  let info = newest.info;
  let statNote: string | undefined;
  if (info.sha256 === undefined) {
    try {
      const sha256 = (await store.stat(key, { signal }))?.sha256;
      if (sha256 !== undefined) info = { ...info, sha256 };
    } catch (error) {
      statNote = `store SHA-256 not read: ${message(error)}`;
    }
  }
  let bytesSeen = 0;
  try {
    const source = await store.read(key, { signal });
    const scan = await scanStream(source, {
      expectGzip: /\.(gz|tgz)$/i.test(key),
      tar: isTar,
      md5: newest.info.md5 !== undefined || newest.info.etag !== undefined,
      crc32c: newest.info.crc32c !== undefined,
      idleTimeoutMs: backup.idleTimeout,
      progress: (bytes) => {
        bytesSeen = bytes;
      },
    });
    const checksum = checksumCheck(scan, info, sidecar);
    return [
      integrityCheck(scan, isTar),
      statNote ? { ...checksum, detail: `${checksum.detail}; ${statNote}` } : checksum,
      completenessCheck(scan, isTar, backup.completeness),
    ];
  } catch (error) {
    const { why, data } = failure(error, signal, backup.timeout);
    return [
      check('integrity', 'fail', `cannot read ${key} (after ${bytesSeen} of ${newest.info.bytes} bytes): ${why}`, data),
      check('checksum', 'skipped', 'not judged: the object could not be read'),
      check('completeness', 'skipped', 'not judged: the object could not be read'),
    ];
  }
}

/**
 * Why a store call failed. Aborted by the backup's timeout or the run's time running out, it is a backup that was
 * not finished in time (`data.unfinished`, which the run's summary names), not a broken one.
 */
function failure(error: unknown, signal: AbortSignal, timeoutMs: number): { why: string; data?: { unfinished: true } } {
  if (!signal.aborted) return { why: message(error) };
  const cause = abortCause(signal.reason, timeoutMs);
  return cause.late
    ? { why: `not finished in time: ${cause.why}`, data: { unfinished: true } }
    : { why: `aborted (${cause.why})` };
}

async function readSidecar(store: ObjectStore, key: string, signal: AbortSignal): Promise<string | undefined> {
  const info = await store.stat(key, { signal });
  if (!info) return undefined;
  if (info.bytes > SIDECAR_MAX) return `(sidecar of ${info.bytes} bytes is too large)`;
  const parts: Buffer[] = [];
  for await (const chunk of await store.read(key, { signal })) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts).toString('utf8').slice(0, SIDECAR_MAX);
}
