import { afterEach, beforeEach } from 'vitest';
import { createCloudRunDrill } from '../../../functions/dr-drill/adapters/cloud-run.js';
import { createCloudSqlDrill } from '../../../functions/dr-drill/adapters/cloud-sql.js';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill } from '../../../functions/dr-drill/handler.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import type { StateStore } from '../../../shared/core/state/index.js';
import { manualTrigger, runForTest } from '../../../shared/testing/index.js';
import { FakeCloudRunDr } from '../../fakes/cloud-run-dr.js';
import { type FakeDrSettings, FakeSqlAdminDr } from '../../fakes/sqladmin-dr.js';
import { suffix } from '../../shared/adapters/databases/seed.js';
import { testEstate } from '../../support/estate.js';

/** drDrill over the real Cloud SQL and Cloud Run adapters, polling every 10 ms. */
export const cloudDrill = createDrDrill({
  ...defaultDrDrillDeps(),
  cloudSql: (endpoint, timeoutMs, signal) => createCloudSqlDrill(endpoint, timeoutMs, signal, 10),
  cloudRun: (endpoint, timeoutMs, signal) => createCloudRunDrill(endpoint, timeoutMs, signal, 10),
});

/**
 * Starts a SQL Admin and a Cloud Run DR fake before each test of the calling file and stops them after;
 * `run` invokes the drill with an estate pointing at both (`databases.pg` is `p1/pg1`).
 */
export function useCloudFakes() {
  const fakes = { sql: new FakeSqlAdminDr(), run: new FakeCloudRunDr() };
  beforeEach(async () => {
    fakes.sql = new FakeSqlAdminDr();
    fakes.run = new FakeCloudRunDr();
    await Promise.all([fakes.sql.start(), fakes.run.start()]);
  });
  afterEach(() => Promise.all([fakes.sql.stop(), fakes.run.stop()]));
  return {
    sql: () => fakes.sql,
    run: () => fakes.run,
    /** Adds a Cloud SQL instance in project p1. */
    addInstance: (name: string, version: string, settings: Partial<FakeDrSettings> = {}) =>
      fakes.sql.addInstance('p1', {
        name,
        databaseVersion: version,
        region: 'us-central1',
        settings: { tier: 't', ...settings },
      }),
    /** Runs drDrill with `payload` (a plan, or `task: janitor`) over `steps` as plan `dr`. */
    invoke: (
      payload: Record<string, unknown>,
      steps: unknown[],
      dryRun = false,
      state?: StateStore,
    ): Promise<ResultEnvelope> => {
      const config = testEstate({
        endpoints: {
          sqladmin: { url: fakes.sql.server.url, credentials: 'none' },
          run: { url: fakes.run.server.url, credentials: 'none' },
        },
        services: { web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' } },
        databases: { pg: { kind: 'cloud-sql', project: 'p1', instance: 'pg1' } },
        drills: { dr: { targets: { rto: '60m', rpo: '1d' }, steps } } as never,
      });
      const trigger = manualTrigger(payload, { id: `cli:${suffix()}`, caller: 'cli:tester' });
      return runForTest(cloudDrill, trigger, {
        estate: config,
        dryRun,
        ...(state ? { state } : {}),
      }).then((r) => r.envelope);
    },
  };
}
