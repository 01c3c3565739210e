import { afterEach } from 'vitest';
import type { Estate } from '../../../functions/estate.js';
import type { ManualTrigger, ScheduledTrigger } from '../../../shared/core/events/trigger.js';
import { manualTrigger, scheduledTrigger } from '../../../shared/testing/index.js';
import { suffix } from '../../shared/adapters/databases/seed.js';
import { testEstate } from '../../support/estate.js';
import { drillEstate, PG_SERVER, productionDb, readyService, workDir } from './fixtures.js';

/** Undo steps of one test file, run in reverse after each test; call once at the top of the file. */
export type Cleanups = (() => Promise<unknown>)[];

/** Registers the afterEach that drains the returned list, newest first. */
export function useCleanups(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return cleanups;
}

/** An HTTP call by the first token. */
export const manual = (payload: Record<string, unknown>): ManualTrigger =>
  manualTrigger(payload, { id: `m-${suffix()}`, caller: 'token:0' });

/** A foreground `opsfn invoke` call. */
export const cli = (payload: Record<string, unknown>): ManualTrigger =>
  manualTrigger(payload, { id: `cli:${suffix()}`, caller: 'cli:tester' });

/** The heartbeat schedule firing. */
export const scheduled = (payload: Record<string, unknown>): ScheduledTrigger =>
  scheduledTrigger(payload, { id: `s-${suffix()}`, job: 'dr-drill-heartbeat' });

/** The continuation of a drill step, as the runtime delivers it. */
export const continued = (key: string, payload: Record<string, unknown>): ScheduledTrigger =>
  scheduledTrigger(payload, { id: `continue:${key}`, job: 'continue:drDrill' });

/** A production database with `rows` conversations, a work directory and a ready service, all undone after the test. */
export async function setup(cleanups: Cleanups, engine: 'postgres' | 'mysql', rows = 1200) {
  const prod = await productionDb(engine, rows);
  cleanups.push(() => prod.drop());
  const work = await workDir();
  cleanups.push(() => work.remove());
  const svc = await readyService();
  cleanups.push(() => svc.stop());
  return { prod, work, svc };
}

/** The standard three-step plan (restore, assert 20 rows, health check) over a dumped 20-row database. */
export async function standardEstate(cleanups: Cleanups, plan: Record<string, unknown> = {}): Promise<Estate> {
  const { prod, work, svc } = await setup(cleanups, 'postgres', 20);
  await work.putDump('db_prod.sql.gz', await prod.dump());
  return testEstate(
    drillEstate({
      prod,
      backupsUrl: work.backupsUrl,
      reportsUrl: work.reportsUrl,
      plan: {
        targets: { rto: '30m', rpo: '26h' },
        steps: [
          { step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER } },
          { step: 'db.assert', assertions: [{ sql: 'SELECT count(*) FROM conversations', equals: 20 }] },
          { step: 'http.check', url: `${svc.url}/health` },
        ],
        ...plan,
      },
    }),
  );
}
