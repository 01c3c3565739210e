import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type CreatedScratch,
  createScratchDatabase,
  dropScratchDatabase,
} from '../../../../shared/adapters/databases/scratch.js';
import { cloudRunJobs, executionState } from '../../../../shared/adapters/google/cloud-run-jobs.js';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { type JobExecution, type JobRunner, type JobTask, jobOutcome } from '../../../../shared/core/run/jobs.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { jobEntry } from '../../../../shared/host/runtime/jobs-env.js';
import { FakeCloudRunJobs } from '../../../fakes/cloud-run-jobs.js';
import { tempDir } from '../../../functions/backup-verify/fixtures.js';
import { REDIS_URL, redisPrefix } from '../../../support/redis-prefix.js';
import { PG_URL, pgDump } from '../databases/seed.js';

// The Cloud Run Jobs runner against the fake, whose executions run the real job process as Cloud Run runs
// the job's container: the result comes back through the shared Redis state store.

const JOB = 'projects/demo-opsfn/locations/us-central1/jobs/opsfn-restore';
const redis = redisPrefix('cloud-run-jobs');
const fake = new FakeCloudRunJobs();
const server = { engine: 'postgres' as const, url: PG_URL };
let tmp: Awaited<ReturnType<typeof tempDir>>;
let state: RedisStateStore;
let runner: JobRunner;
let scratch: CreatedScratch;

/** The job's container: the job entry in a process of its own, its output kept for a failing test. */
function container(env: Record<string, string>): Promise<number> {
  return new Promise((done) => {
    const entry = jobEntry();
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code) => done(code ?? 1));
  });
}

async function settle(execution: JobExecution): Promise<JobExecution> {
  let current = execution;
  for (let i = 0; i < 300 && current.state === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    current = await runner.get(execution.name);
  }
  return current;
}

const task = (overrides: Partial<JobTask> = {}): JobTask => ({
  kind: 'restore-load',
  store: ['backups', 'pg'],
  key: 'app.sql.gz',
  scratch: ['backups', 'pg', 'restoreTest', 'scratch'],
  database: scratch.name,
  ...(scratch.loader ? { loader: scratch.loader } : {}),
  timeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  stripOwnership: true,
  ...overrides,
});

beforeAll(async () => {
  tmp = await tempDir();
  await tmp.put('pg/app.sql.gz', await pgDump(120));
  const config = join(tmp.dir, 'opsfn.yaml');
  await writeFile(
    config,
    stringify({
      estate: 'cloud-run-jobs',
      state: { redis: REDIS_URL, prefix: redis.prefix },
      backups: {
        pg: { kind: 'object-store', url: `file://${tmp.dir}/pg/`, restoreTest: { scratch: { postgres: PG_URL } } },
      },
    }),
  );
  fake.addJob(JOB, container, { OPSFN_CONFIG: config });
  const url = await fake.start();
  runner = cloudRunJobs(JOB, { endpoint: { url: `${url}/`, credentials: 'none' } });
  state = await RedisStateStore.open({ url: REDIS_URL, prefix: redis.prefix });
  scratch = await createScratchDatabase(server, `opsfn_restore_jobs_${randomBytes(4).toString('hex')}`);
}, 60_000);

afterAll(async () => {
  await dropScratchDatabase(server, scratch.name);
  await fake.stop();
  await state.close();
  await redis.drop();
  await tmp.remove();
});

describe('cloudRunJobs', () => {
  it('starts an execution with the task in its environment, polls it, and reads the result the job wrote', async () => {
    const started = await runner.start('job-ok', task());
    expect(started).toMatchObject({
      state: 'running',
      name: expect.stringMatching(`^${JOB}/executions/opsfn-restore-`),
    });
    const [run] = fake.server.find('POST', /:run$/);
    type RunBody = { overrides: { containerOverrides: { env: { name: string; value: string }[] }[] } };
    const env = (run?.body as RunBody | undefined)?.overrides.containerOverrides[0]?.env;
    expect(env?.map((e) => e.name)).toEqual(['OPSFN_JOB_ID', 'OPSFN_JOB_TASK']);
    // Places in the config travel, never what they hold.
    expect(JSON.stringify(env)).not.toContain('postgres://');
    const done = await settle(started);
    expect(done.state).toBe('succeeded');
    const outcome = await jobOutcome(state, done, 'job-ok');
    expect(outcome).toMatchObject({ status: 'ok', detail: expect.stringContaining(`restored into ${scratch.name}`) });
    expect(outcome?.data).toMatchObject({ rows: 120 });
  }, 60_000);

  it('reports a load that failed as the job wrote it, though the execution succeeded', async () => {
    const done = await settle(await runner.start('job-missing', task({ key: 'missing.sql.gz' })));
    expect(done.state).toBe('succeeded');
    expect(await jobOutcome(state, done, 'job-missing')).toMatchObject({ status: 'fail' });
  }, 60_000);

  it('reports a failed execution with the platform’s message', async () => {
    const done = await settle(await runner.start('job-bad', { ...task(), database: 'NOT A NAME' } as JobTask));
    expect(done).toMatchObject({ state: 'failed', message: expect.stringMatching(/exit code of 2/) });
    expect(await jobOutcome(state, done, 'job-bad')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('exited with an exit code of 2'),
    });
  }, 60_000);

  it('refuses a job that does not exist with the API’s message', async () => {
    const missing = cloudRunJobs(`${JOB}-gone`, { endpoint: { url: `${fake.server.url}/`, credentials: 'none' } });
    const error = await missing.start('x', task()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(String((error as Error).message)).toMatch(/HTTP 404: Resource 'opsfn-restore-gone' of kind 'JOB'/);
  });

  it('reads an execution as running until its Completed condition is terminal', () => {
    const condition = (state: string) => [{ type: 'Completed', state, message: 'm' }];
    expect(executionState({ name: 'e', conditions: condition('CONDITION_PENDING') }).state).toBe('running');
    expect(executionState({ name: 'e', conditions: condition('CONDITION_SUCCEEDED'), succeededCount: 1 }).state).toBe(
      'succeeded',
    );
    expect(executionState({ name: 'e', conditions: condition('CONDITION_FAILED'), failedCount: 1 })).toMatchObject({
      state: 'failed',
      message: 'm',
    });
    expect(executionState({ name: 'e', completionTime: 'now', cancelledCount: 1 }).state).toBe('failed');
  });
});
