import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localJobs } from '../../../../shared/adapters/jobs/local-jobs.js';

describe('local jobs when their process closes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-local-jobs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stops a running job with SIGTERM, so none outlives the process that would report it', async () => {
    const entry = join(dir, 'job.mjs');
    // A load that runs until told to stop, and stops on SIGTERM as the job process does.
    await writeFile(entry, "setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(143));\n");
    const jobs = localJobs({ entry, env: process.env });
    const started = await jobs.start('j-1', { kind: 'restore-load' } as never);
    await new Promise((done) => setTimeout(done, 300));
    expect(await jobs.get(started.name)).toMatchObject({ state: 'running' });
    await jobs.close?.();
    expect(await jobs.get(started.name)).toMatchObject({ state: 'failed', message: expect.stringMatching(/143/) });
  });

  it('kills a job that ignores SIGTERM after its grace', async () => {
    const entry = join(dir, 'stubborn.mjs');
    await writeFile(entry, "setInterval(() => {}, 1000); process.on('SIGTERM', () => {});\n");
    const jobs = localJobs({ entry, env: process.env, stopGraceMs: 300 });
    const started = await jobs.start('j-2', { kind: 'restore-load' } as never);
    await new Promise((done) => setTimeout(done, 300));
    await jobs.close?.();
    expect(await jobs.get(started.name)).toMatchObject({ state: 'failed', message: expect.stringMatching(/SIGKILL/) });
  });
});
