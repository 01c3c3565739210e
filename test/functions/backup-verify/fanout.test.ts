import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { FanoutKeys } from '../../../shared/core/run/fanout-types.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createRuntime, type Runtime } from '../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { gzDump, stamp, tempDir } from './fixtures.js';

// `opsfn serve` runs the shards of a run in its own process, each an invocation of its own.

const BACKUPS = 7;

describe('a backupVerify run past limits.shards.backups', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let state: MemoryStateStore;
  const notifier = recordingNotifier();
  const logs = captureLogs();

  beforeEach(async () => {
    tmp = await tempDir();
    const dump = await gzDump(200);
    const backups: Record<string, unknown> = {};
    for (let i = 0; i < BACKUPS; i++) {
      const url = `file://${join(tmp.dir, `db${i}`)}/`;
      // db3 has no dump at all: it fails, and is notified once, by the shard that ends the run.
      if (i !== 3) await tmp.put(`db${i}/db${i}_${stamp(Date.now())}.sql.gz`, dump);
      backups[`db${i}`] = { kind: 'object-store', url, pattern: '*.sql.gz' };
    }
    const config = testEstate({
      backups: backups as never,
      limits: { shards: { backups: 3 } } as never,
      reports: { url: `file://${join(tmp.dir, 'reports')}/` },
    });
    state = new MemoryStateStore();
    notifier.sent.length = 0;
    runtime = await createRuntime({ config, functions: [backupVerify], state, notifier, logSink: logs.sink });
  });
  afterEach(async () => {
    await runtime.close();
    await tmp.remove();
  });

  it('verifies each backup once across three shards and reports the run once, under its run id', async () => {
    const started = await runtime.invoke('backupVerify', {
      kind: 'scheduled',
      id: 'ps:1',
      job: 'backup-verify',
      scheduledAt: new Date().toISOString(),
      payload: {},
    });
    expect(started).toMatchObject({ accepted: true, fanout: { shards: 3 } });
    const key = FanoutKeys.result('backupVerify', started.runId);
    const deadline = Date.now() + 20_000;
    while ((await state.get(key)) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const result = await state.get<ResultEnvelope<BackupResult>>(key);
    expect(result).toMatchObject({ outcome: 'fail', fanout: { shards: 3, failed: [] } });
    expect(result?.items.map((i) => i.backup)).toEqual(Array.from({ length: BACKUPS }, (_, i) => `db${i}`));
    expect(result?.items.filter((i) => i.status === 'fail').map((i) => i.backup)).toEqual(['db3']);
    expect(notifier.sent.map((n) => n.title)).toEqual(['Backup db3: FAIL']);
    const day = new Date().toISOString().slice(0, 10);
    const reports = await readdir(join(tmp.dir, 'reports', 'backup-verify', day));
    expect(reports).toEqual([`${started.runId}.json`]);
    const report = JSON.parse(await readFile(join(tmp.dir, 'reports', 'backup-verify', day, reports[0]!), 'utf8'));
    expect(report).toMatchObject({ runId: started.runId, outcome: 'fail' });
    expect(report.items).toHaveLength(BACKUPS);
    const verified = logs.audits().filter((a) => String(a.target).startsWith('backup:'));
    expect(verified.map((a) => a.target).sort()).toEqual(Array.from({ length: BACKUPS }, (_, i) => `backup:db${i}`));
  });

  it('carries restore: true to every shard, so a forced restore test is not skipped as not yet due', async () => {
    // Four backups with a dump (db3 has none), each restored a day ago: not due for a week, unless the run asks.
    const restoring = Object.fromEntries(
      [0, 1, 2, 4].map((i) => [
        `db${i}`,
        {
          kind: 'object-store',
          url: `file://${join(tmp.dir, `db${i}`)}/`,
          pattern: '*.sql.gz',
          restoreTest: { scratch: { postgres: 'postgres://postgres@127.0.0.1:5432/postgres' }, restoreEvery: '8d' },
        },
      ]),
    );
    await runtime.close();
    state = new MemoryStateStore();
    for (const name of Object.keys(restoring)) {
      await state.put(`backupVerify:restore:${name}`, {
        at: new Date(Date.now() - 86_400_000).toISOString(),
        key: 'x',
      });
    }
    runtime = await createRuntime({
      config: testEstate({ backups: restoring as never, limits: { shards: { backups: 2 } } as never }),
      functions: [backupVerify],
      state,
      notifier,
      logSink: logs.sink,
    });
    const started = await runtime.invoke('backupVerify', {
      kind: 'scheduled',
      id: 'ps:restore',
      job: 'backup-restore-test',
      scheduledAt: new Date().toISOString(),
      payload: { restore: true },
    });
    expect(started).toMatchObject({ accepted: true, fanout: { shards: 2 } });
    const key = FanoutKeys.result('backupVerify', started.runId);
    const deadline = Date.now() + 60_000;
    while ((await state.get(key)) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const result = await state.get<ResultEnvelope<BackupResult>>(key);
    const restores = result?.items.map((i) => i.checks.find((c) => c.name === 'restore')?.status);
    expect(restores).toEqual(['ok', 'ok', 'ok', 'ok']);
  }, 90_000);

  it('reports the plan instead of splitting a dry run', async () => {
    const planned = await runtime.invoke(
      'backupVerify',
      { kind: 'scheduled', id: 'ps:2', job: 'backup-verify', scheduledAt: new Date().toISOString(), payload: {} },
      { dryRun: true },
    );
    expect(planned).toMatchObject({
      outcome: 'skipped',
      summary: expect.stringMatching(/7 backups would be split into 3 shard/),
    });
    expect(await state.keys('fanout')).toEqual([]);
  });

  it('verifies every backup in the foreground for opsfn invoke', async () => {
    const envelope = await runtime.invoke('backupVerify', { kind: 'manual', id: 'cli:x', payload: {} });
    expect(envelope.items).toHaveLength(BACKUPS);
    expect(envelope.accepted).toBeUndefined();
  });
});
