import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill } from '../../../functions/dr-drill/handler.js';
import type { DrillItem } from '../../../functions/dr-drill/result.js';
import { localJobs } from '../../../shared/adapters/jobs/local-jobs.js';
import type { JobRunner } from '../../../shared/core/run/jobs.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runFunction } from '../../../shared/host/runtime/invoke.js';
import { jobEntry } from '../../../shared/host/runtime/jobs-env.js';
import { testEstate } from '../../support/estate.js';
import { drillEstate, PG_SERVER } from './fixtures.js';
import { cli, setup, useCleanups } from './harness.js';

const cleanups = useCleanups();

// A drill's restore allowed longer than an invocation loads as a job: here a child process, as `opsfn serve`
// runs it with OPSFN_RESTORE_JOB=local, reading the same config file the function read.

describe('drDrill db.restoreDump as a job', () => {
  // A runner whose jobs run in an image of their own (Cloud Run Jobs) takes every load, even one that fits.
  it.each([
    { runner: 'beside this process', remote: false, timeout: '30m' },
    { runner: 'in an image of its own', remote: true, timeout: '1m' },
  ])(
    'loads the dump as a job ($runner, restore timeout $timeout) while the step is pending, then asserts on the copy and cleans up',
    async ({ remote, timeout }) => {
      const { prod, work, svc } = await setup(cleanups, 'postgres', 30);
      await work.putDump('db_prod.sql.gz', await prod.dump());
      const input = {
        estate: 'restore-job',
        limits: { timeout: '90s' },
        ...drillEstate({
          prod,
          backupsUrl: work.backupsUrl,
          reportsUrl: work.reportsUrl,
          plan: {
            targets: { rto: '30m', rpo: '26h' },
            steps: [
              { step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER }, timeout },
              { step: 'db.assert', assertions: [{ sql: 'SELECT count(*) FROM conversations', equals: 30 }] },
              { step: 'http.check', url: `${svc.url}/health` },
            ],
          },
        }),
      };
      const file = join(work.dir, 'opsfn.yaml');
      await writeFile(file, stringify(input));
      const started: string[] = [];
      const local = localJobs({ entry: jobEntry(), env: { ...process.env, OPSFN_CONFIG: file } });
      const jobs: JobRunner = {
        remote,
        start: (id, task) => {
          started.push(`${task.kind} ${task.database}`);
          return local.start(id, task);
        },
        get: (name) => local.get(name),
      };
      const fn = createDrDrill({
        ...defaultDrDrillDeps(),
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
      });
      const envelope = await runFunction(fn, cli({ plan: 'quarterly-db' }), {
        config: testEstate(input as never),
        state: new MemoryStateStore(),
        jobs,
        logSink: () => undefined,
      });
      expect(started).toEqual([expect.stringMatching(/^restore-load opsfn_drill_[0-9a-f]{8}_restore$/)]);
      const steps = envelope.items as DrillItem[];
      expect(steps.map((s) => [s.name, s.status])).toEqual([
        ['restore', 'ok'],
        ['assert', 'ok'],
        ['check', 'ok'],
        ['cleanup', 'ok'],
      ]);
      expect(steps[0]?.detail).toMatch(/restored into opsfn_drill_[0-9a-f]{8}_restore/);
      expect(envelope).toMatchObject({ outcome: 'ok', status: 'passed' });
    },
    120_000,
  );

  it('runs the load inside the invocation when it fits in one', async () => {
    const { prod, work } = await setup(cleanups, 'postgres', 10);
    await work.putDump('db_prod.sql.gz', await prod.dump());
    const started: string[] = [];
    const jobs: JobRunner = {
      remote: false,
      start: async (id) => {
        started.push(id);
        throw new Error('not expected');
      },
      get: async (name) => ({ name, state: 'failed' }),
    };
    const config = testEstate(
      drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        plan: {
          targets: { rto: '30m', rpo: '26h' },
          steps: [{ step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER }, timeout: '5m' }],
        },
      }),
    );
    const envelope = await runFunction(createDrDrill(), cli({ plan: 'quarterly-db' }), {
      config,
      state: new MemoryStateStore(),
      jobs,
      logSink: () => undefined,
    });
    expect(started).toEqual([]);
    expect((envelope.items as DrillItem[])[0]).toMatchObject({ name: 'restore', status: 'ok' });
  }, 60_000);
});
