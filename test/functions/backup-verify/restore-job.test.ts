import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { restoreJobKey, restoreStateKey } from '../../../functions/backup-verify/checks/restore-job.js';
import { backupVerify } from '../../../functions/backup-verify/handler.js';
import type { BackupResult } from '../../../functions/backup-verify/types.js';
import { localJobs } from '../../../shared/adapters/jobs/local-jobs.js';
import type { JobRunner, JobTask } from '../../../shared/core/run/jobs.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { main } from '../../../shared/host/cli/main.js';
import { jobEntry } from '../../../shared/host/runtime/jobs-env.js';
import { createRuntime, type Runtime } from '../../../shared/host/runtime/runtime.js';
import { databasesLike, PG_URL, pgDump } from '../../shared/adapters/databases/seed.js';
import { estate, functions } from '../../support/catalogue.js';
import { captureIo } from '../../support/cli-io.js';
import { testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { tempDir } from './fixtures.js';

// A restore test whose load may take longer than an invocation: the load runs as a job (a child process here,
// as with OPSFN_RESTORE_JOB=local), and a continuation of the run polls it, asserts, drops and records.

/** An estate of one backup `pg` under `dir`, restore-tested with `timeout`, asserting its `rows` conversations. */
function restoreEstate(estate: string, dir: string, timeout: string, rows: number) {
  return {
    estate,
    limits: { timeout: '60s' },
    backups: {
      pg: {
        kind: 'object-store',
        url: `file://${dir}/pg/`,
        restoreTest: {
          scratch: { postgres: PG_URL },
          timeout,
          assertions: [{ sql: 'SELECT count(*) FROM conversations', equals: rows }],
        },
      },
    },
  };
}

describe('backupVerify restore tests as jobs', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  const tasks: JobTask[] = [];
  const envelopes: ResultEnvelope[] = [];
  let state: MemoryStateStore;
  let notifier: ReturnType<typeof recordingNotifier>;

  beforeEach(async () => {
    tmp = await tempDir();
    await tmp.put('pg/app.sql.gz', await pgDump(300));
    tasks.length = 0;
    envelopes.length = 0;
    state = new MemoryStateStore();
    notifier = recordingNotifier();
  });

  /** The runtime with a job runner over child processes; `remote` makes it act as Cloud Run Jobs do. */
  async function start(options: {
    timeout: string;
    remote: boolean;
    jobEnv?: NodeJS.ProcessEnv;
    startFails?: boolean;
    /** Every execution reads as still running (a load that never ends). */
    stuck?: boolean;
  }) {
    const input = restoreEstate('restore-job', tmp.dir, options.timeout, 300);
    const file = join(tmp.dir, 'opsfn.yaml');
    await writeFile(file, stringify(input));
    const local = localJobs({ entry: jobEntry(), env: { ...(options.jobEnv ?? process.env), OPSFN_CONFIG: file } });
    const jobs: JobRunner = {
      remote: options.remote,
      start: (id, task) => {
        tasks.push(task);
        if (options.startFails) return Promise.reject(new Error('run.jobs.run: 429 quota exceeded'));
        return local.start(id, task);
      },
      get: (name) => (options.stuck ? Promise.resolve({ name, state: 'running' as const }) : local.get(name)),
    };
    runtime = await createRuntime({
      config: testEstate(input as never),
      functions: [backupVerify],
      state,
      notifier,
      jobs,
      logSink: () => undefined,
    });
    const invoke = runtime.invoke.bind(runtime);
    runtime.invoke = async (...args) => {
      const envelope = await invoke(...args);
      envelopes.push(envelope);
      return envelope;
    };
  }

  /** The continuation that finished the run: its restore and assertion checks. */
  async function finished(): Promise<BackupResult | undefined> {
    const deadline = Date.now() + 60_000;
    while (!envelopes.some((e) => e.trigger.id.startsWith('continue:') && !e.accepted) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const envelope = envelopes.find((e) => e.trigger.id.startsWith('continue:') && !e.accepted);
    return (envelope?.items ?? [])[0] as BackupResult | undefined;
  }

  afterEach(async () => {
    await runtime.close();
    await tmp.remove();
  });

  // The two tests without a client on PATH come first: a client that passed its check is not checked again in
  // this process (the answer is kept per binary), so they must run before any restore here succeeds.
  it('sends every load to a job whose image is its own, even one that fits an invocation, with no client here', async () => {
    // As on Cloud Functions: this process has no psql on PATH; the job (Cloud Run Jobs, its own image) has.
    const jobEnv = { ...process.env };
    const path = process.env.PATH;
    await start({ timeout: '30s', remote: true, jobEnv });
    process.env.PATH = tmp.dir;
    try {
      const first = await runtime.invoke('backupVerify', { kind: 'manual', id: 'm-2', payload: { restore: true } });
      const restore = (first.items as BackupResult[])[0]?.checks.find((c) => c.name === 'restore');
      expect(restore).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/as job execution local:/) });
      const result = await finished();
      expect(result?.checks.map((c) => [c.name, c.status])).toEqual([
        ['restore', 'ok'],
        ['assertion', 'ok'],
      ]);
      // The helper that lists databases runs psql itself.
      process.env.PATH = path;
      expect(await databasesLike('postgres', first.runId)).toEqual([]);
    } finally {
      process.env.PATH = path;
    }
  }, 90_000);

  it('fails the restore before creating anything when this process has no client and its jobs share its PATH', async () => {
    const path = process.env.PATH;
    await start({ timeout: '2h', remote: false });
    process.env.PATH = tmp.dir;
    try {
      const first = await runtime.invoke('backupVerify', { kind: 'manual', id: 'm-3', payload: { restore: true } });
      const restore = (first.items as BackupResult[])[0]?.checks.find((c) => c.name === 'restore');
      expect(restore).toMatchObject({ status: 'fail', detail: expect.stringMatching(/psql/) });
      expect(tasks).toEqual([]);
      process.env.PATH = path;
      expect(await databasesLike('postgres', first.runId)).toEqual([]);
    } finally {
      process.env.PATH = path;
    }
  });
  it('drops the scratch database at once and fails the restore when the job cannot be started', async () => {
    await start({ timeout: '2h', remote: false, startFails: true });
    const first = await runtime.invoke('backupVerify', { kind: 'manual', id: 'm-4', payload: { restore: true } });
    const restore = (first.items as BackupResult[])[0]?.checks.find((c) => c.name === 'restore');
    expect(restore).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^the restore job could not be started: .*429 quota exceeded/),
    });
    expect(tasks).toHaveLength(1);
    expect(await databasesLike('postgres', first.runId)).toEqual([]);
    expect(await state.keys('backupVerify:restore-job:')).toEqual([]);
  });

  it('starts no second load while one still runs as a job, a forced restore included', async () => {
    await start({ timeout: '2h', remote: false });
    const now = Date.now();
    await state.put(restoreJobKey('pg'), {
      ...{ execution: 'local:earlier', jobId: 'j-1', database: 'opsfn_restore_x', engine: 'postgres' },
      ...{ dump: 'app.sql.gz', startedAt: new Date(now - 3_600_000).toISOString() },
      deadline: new Date(now + 3_600_000).toISOString(),
    });
    const second = await runtime.invoke('backupVerify', { kind: 'manual', id: 'm-3', payload: { restore: true } });
    const restore = (second.items as BackupResult[])[0]?.checks.find((c) => c.name === 'restore');
    expect(restore).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/app\.sql\.gz is still loading as job execution local:earlier since/),
    });
    expect(tasks).toEqual([]);
    expect(await databasesLike('postgres', second.runId)).toEqual([]);
    expect(await state.get(restoreJobKey('pg'))).toMatchObject({ execution: 'local:earlier' });
  });

  /** A load recorded as running as job execution `local:stuck`, its deadline `deadlineMs` from now. */
  async function loading(deadlineMs: number) {
    const now = Date.now();
    await state.put(restoreJobKey('pg'), {
      ...{ execution: 'local:stuck', jobId: 'j-stuck', database: 'opsfn_restore_stuck', engine: 'postgres' },
      ...{ dump: 'app.sql.gz', startedAt: new Date(now - 3_600_000).toISOString() },
      deadline: new Date(now + deadlineMs).toISOString(),
    });
  }

  const poll = (id: string, deadLettered?: { deliveries: number; subscription: string }) =>
    runtime.invoke('backupVerify', {
      kind: 'scheduled',
      id: `continue:restore-job:pg:${id}`,
      job: 'continue:backupVerify',
      scheduledAt: new Date().toISOString(),
      payload: { restoreJob: 'pg' },
      ...(deadLettered ? { deadLettered } : {}),
    });

  it('reports the restore failed when its poll is dead-lettered while the job still loads, and forgets the job', async () => {
    await start({ timeout: '2h', remote: false, stuck: true });
    await loading(3_600_000);
    const envelope = await poll('dead', { deliveries: 5, subscription: 'opsfn-backupVerify-continue' });
    const [result] = envelope.items as BackupResult[];
    expect(result?.status).toBe('fail');
    expect(result?.checks[0]).toMatchObject({
      name: 'restore',
      status: 'fail',
      detail: expect.stringMatching(
        /local:stuck was still loading when its polls were dead-lettered after 5 deliveries/,
      ),
    });
    expect(await state.get(restoreJobKey('pg'))).toBeUndefined();
    expect(notifier.sent).toMatchObject([{ severity: 'critical' }]);
  });

  it('reports the restore failed when the job still loads past its deadline, instead of polling on', async () => {
    await start({ timeout: '2h', remote: false, stuck: true });
    await loading(-1_000);
    const envelope = await poll('late');
    expect(envelope.accepted).toBeFalsy();
    expect((envelope.items as BackupResult[])[0]?.checks[0]).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/local:stuck still loading past its deadline/),
    });
    expect(await state.get(restoreJobKey('pg'))).toBeUndefined();
  });

  it('loads in a job, then a later invocation asserts on the copy, drops it and records the restore', async () => {
    await start({ timeout: '2h', remote: false });
    const first = await runtime.invoke('backupVerify', { kind: 'manual', id: 'm-1', payload: { restore: true } });
    const [started] = first.items as BackupResult[];
    const restore = started?.checks.find((c) => c.name === 'restore');
    expect(restore).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/loading into opsfn_restore_.* as job execution local:/),
    });
    expect(tasks).toEqual([
      expect.objectContaining({
        kind: 'restore-load',
        store: ['backups', 'pg'],
        scratch: ['backups', 'pg', 'restoreTest', 'scratch'],
      }),
    ]);
    const result = await finished();
    expect(result?.checks.map((c) => [c.name, c.status])).toEqual([
      ['restore', 'ok'],
      ['assertion', 'ok'],
    ]);
    expect(result?.checks[0]?.detail).toMatch(/app\.sql\.gz \(\d+ bytes\) restored into opsfn_restore_/);
    expect(await state.get(restoreStateKey('pg'))).toMatchObject({ key: 'app.sql.gz' });
    expect(await state.get(restoreJobKey('pg'))).toBeUndefined();
    expect(await databasesLike('postgres', first.runId)).toEqual([]);
    expect(notifier.sent).toEqual([]);
  }, 90_000);
});

describe('opsfn invoke with OPSFN_RESTORE_JOB=local', () => {
  it('waits for the restore it handed to a local job, prints its verdict and leaves no scratch database', async () => {
    const tmp = await tempDir();
    try {
      await tmp.put('pg/app.sql.gz', await pgDump(120));
      const file = join(tmp.dir, 'opsfn.yaml');
      await writeFile(file, stringify(restoreEstate('invoke-job', tmp.dir, '2h', 120)));
      // The estate comes from --config only: the job process must be told where it is.
      const { OPSFN_CONFIG: _unset, ...env } = process.env;
      const io = captureIo({ ...env, OPSFN_RESTORE_JOB: 'local' });
      const code = await main(
        ['invoke', 'backupVerify', '--config', file, '--payload', '{"restore":true}', '--json', '--log', 'json'],
        { functions, estate, io },
      );
      const { results } = JSON.parse(io.stdout()) as { results: ResultEnvelope[] };
      const handed = ((results[0]?.items ?? []) as BackupResult[])[0]?.checks.find((c) => c.name === 'restore');
      expect(handed).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/as job execution local:/) });
      const finished = ((results[1]?.items ?? []) as BackupResult[])[0];
      expect(finished?.checks.map((c) => [c.name, c.status])).toEqual([
        ['restore', 'ok'],
        ['assertion', 'ok'],
      ]);
      expect(code).toBe(0);
      expect(await databasesLike('postgres', results[0]?.runId ?? '')).toEqual([]);
    } finally {
      await tmp.remove();
    }
  }, 90_000);
});
