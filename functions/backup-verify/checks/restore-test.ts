import type { ObjectStoreBackup, RestoreTest } from '../../../shared/config/sections/backups.js';
import type { SecretRef } from '../../../shared/config/types.js';
import { runAssertions } from '../../../shared/databases/assertions.js';
import { type Engine, scratchDatabaseName } from '../../../shared/databases/connection.js';
import { restoreDump } from '../../../shared/databases/restore.js';
import { estimateRows } from '../../../shared/databases/row-count.js';
import { withScratchDatabase } from '../../../shared/databases/scratch.js';
import { errorMessage as message } from '../../../shared/errors/ops-error.js';
import type { StateStore } from '../../../shared/state/state-store.js';
import type { ObjectStore } from '../../../shared/storage/object-store.js';
import { type Check, check } from '../types.js';
import type { Candidate } from './object-listing.js';

/** What a restore test needs from the run. */
export interface RestoreDeps {
  runId: string;
  backupName: string;
  nowMs: () => number;
  /** Restore even when the last one is younger than `restoreEvery`. */
  force: boolean;
  /** Dry-run: report that a restore is due without creating anything on the scratch server. */
  dryRun: boolean;
  /** The dump format the verify pass saw (`pg_dump`, `mysqldump`, `pg_custom`, `unknown`), when it saw one. */
  format?: string;
  state: Pick<StateStore, 'get' | 'put'>;
  secret(ref: SecretRef): Promise<string>;
  signal: AbortSignal;
}

interface LastRestore {
  at: string;
  key: string;
}

/** The state key remembering a backup's last successful restore. */
export const restoreStateKey = (backup: string) => `backupVerify:restore:${backup}`;

/** `restore` and one `assertion` check per assertion: the newest dump streamed into a fresh scratch database. */
export async function restoreTestChecks(
  backup: ObjectStoreBackup & { restoreTest: RestoreTest },
  store: ObjectStore,
  newest: Candidate,
  deps: RestoreDeps,
): Promise<Check[]> {
  const test = backup.restoreTest;
  const notes: string[] = [];
  let last: LastRestore | undefined;
  try {
    last = await deps.state.get<LastRestore>(restoreStateKey(deps.backupName));
  } catch (error) {
    // Without the record a restore runs now: more work, never a missed test.
    notes.push(`last restore unknown (state: ${message(error)})`);
  }
  const started = deps.nowMs();
  if (!deps.force && last && started - Date.parse(last.at) < test.restoreEvery) {
    const due = new Date(Date.parse(last.at) + test.restoreEvery).toISOString();
    return [check('restore', 'skipped', `last restore ${last.at} of ${last.key}; next due ${due}`, { nextDue: due })];
  }
  if (deps.dryRun) return [check('restore', 'skipped', `dry-run: a restore of ${newest.name} is due; nothing created`)];
  const engine: Engine = 'postgres' in test.scratch ? 'postgres' : 'mysql';
  const wanted = engine === 'postgres' ? 'pg_dump' : 'mysqldump';
  // A dump recognised as another format would fail on its first line anyway; saying why is kinder at 3 a.m.
  // An unrecognised one (say pg_dump --no-comments) is still tried.
  if (deps.format !== undefined && deps.format !== 'unknown' && deps.format !== wanted) {
    const detail = `${newest.name} is a ${deps.format} dump; a ${engine} scratch server restores plain ${wanted} output only`;
    return [check('restore', 'fail', detail)];
  }
  const ref = 'postgres' in test.scratch ? test.scratch.postgres : test.scratch.mysql;
  let url: string;
  try {
    url = typeof ref === 'string' ? ref : await deps.secret(ref);
  } catch (error) {
    return [check('restore', 'fail', `cannot resolve the scratch ${engine} URL: ${message(error)}`)];
  }
  const name = scratchDatabaseName(deps.runId, deps.backupName);
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(test.timeout)]);
  try {
    const checks = await withScratchDatabase({ engine, url }, name, async (db) => {
      const source = await store.read(newest.info.key, { signal });
      const stats = await restoreDump(source, db, {
        timeoutMs: test.timeout,
        idleTimeoutMs: test.idleTimeout,
        signal,
        stripOwnership: test.noOwner,
      });
      // PostgreSQL reports exact counts while loading; MySQL's client does not, so its tables are analyzed.
      const rows = stats.rows ?? (await estimateRows(db));
      const approx = stats.rows === undefined ? '≈' : '';
      const rate =
        rows === undefined
          ? ''
          : `, ${approx}${rows} rows (${Math.round(rows / Math.max(stats.durationMs / 1000, 0.001))} rows/s)`;
      const restore = check(
        'restore',
        'ok',
        `${newest.name} restored into ${name} in ${(stats.durationMs / 1000).toFixed(1)}s${rate}`,
        {
          durationMs: stats.durationMs,
          bytes: stats.bytes,
          ...(rows === undefined
            ? {}
            : { rows, rowsPerSecond: Math.round(rows / Math.max(stats.durationMs / 1000, 0.001)) }),
        },
      );
      const results = await runAssertions(db, test.assertions, { timeoutMs: 60_000 });
      return [
        restore,
        ...results.map((r) => check('assertion', r.status, `${r.name}: ${r.detail}`, { value: r.value })),
      ];
    });
    if (checks.every((c) => c.status === 'ok')) {
      try {
        await deps.state.put(restoreStateKey(deps.backupName), {
          at: new Date(started).toISOString(),
          key: newest.info.key,
        });
      } catch (error) {
        notes.push(`not recorded, the next run restores again (state: ${message(error)})`);
      }
    }
    const [restore, ...rest] = checks;
    return restore && notes.length > 0
      ? [{ ...restore, detail: `${restore.detail}; ${notes.join('; ')}` }, ...rest]
      : checks;
  } catch (error) {
    return [
      check('restore', 'fail', message(error), { database: name }),
      ...test.assertions.map((a) => check('assertion', 'skipped', `${a.name ?? a.sql}: not run, the restore failed`)),
    ];
  }
}
