import type { CreatedScratch } from '../../../shared/adapters/databases/index.js';
import { estimateRows, restoreDump, runAssertions } from '../../../shared/adapters/databases/index.js';
import type { ObjectStore } from '../../../shared/adapters/storage/index.js';
import type { RestoreTest } from '../config.js';
import { type Check, check } from '../types.js';
import type { Candidate } from './object-listing.js';

/**
 * Streams the newest dump into `db`, then runs the assertions; the `restore` check first. Throws
 * when the restore fails (a {@link RestoreError} naming the line and error code, never row values).
 */
export async function loadAndAssert(
  db: CreatedScratch,
  store: ObjectStore,
  newest: Candidate,
  test: RestoreTest,
  runSignal: AbortSignal,
): Promise<Check[]> {
  // The restore's own timer stops the read: a second one on the read could win the race and hide the timeout.
  const source = await store.read(newest.info.key, { signal: runSignal });
  const stats = await restoreDump(source, db, {
    timeoutMs: test.timeout,
    idleTimeoutMs: test.idleTimeout,
    signal: runSignal,
    stripOwnership: test.noOwner,
  });
  // PostgreSQL reports exact counts while loading; MySQL's client does not, so its tables are analyzed.
  const rows = stats.rows ?? (await estimateRows(db));
  const seconds = Math.max(stats.durationMs / 1000, 0.001);
  const rate =
    rows === undefined
      ? ''
      : `, ${stats.rows === undefined ? '≈' : ''}${rows} rows (${Math.round(rows / seconds)} rows/s)`;
  const restore = check(
    'restore',
    'ok',
    `${newest.name} restored into ${db.name} in ${(stats.durationMs / 1000).toFixed(1)}s${rate}`,
    {
      durationMs: stats.durationMs,
      bytes: stats.bytes,
      ...(rows === undefined ? {} : { rows, rowsPerSecond: Math.round(rows / seconds) }),
      ...(db.loader === undefined ? {} : { loader: db.loader }),
    },
  );
  const results = await runAssertions(db, test.assertions, { timeoutMs: 60_000 });
  return [restore, ...results.map((r) => check('assertion', r.status, `${r.name}: ${r.detail}`, { value: r.value }))];
}
