import { stat } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill, drDrill } from '../../../functions/dr-drill/handler.js';
import type { DrillRecord } from '../../../functions/dr-drill/model.js';
import { RestoreError } from '../../../shared/adapters/databases/errors.js';
import { GuardKeys } from '../../../shared/core/guard/keys.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { otherDatabase, suffix } from '../../shared/adapters/databases/seed.js';
import { captureLogs, testEstate } from '../../support/estate.js';
import { databasesLike, drillEstate, MYSQL_SERVER, PG_SERVER } from './fixtures.js';
import { cli, setup, useCleanups } from './harness.js';

const cleanups = useCleanups();

/** A drill plan restoring `dumps` on `engine` and asserting who reads the copy; the dump gets `attack` appended. */
async function hostileDrill(engine: 'postgres' | 'mysql', attack: (other: string) => string) {
  const { prod, work } = await setup(cleanups, engine, 20);
  const other = await otherDatabase(engine);
  cleanups.push(() => other.drop());
  const clean = gunzipSync(await prod.dump()).toString('latin1');
  const text = `${clean}${attack(other.name)}\n`;
  await work.putDump('db_prod.sql.gz', gzipSync(Buffer.from(text, 'latin1')));
  const config = testEstate(
    drillEstate({
      prod,
      backupsUrl: work.backupsUrl,
      reportsUrl: work.reportsUrl,
      plan: {
        targets: { rto: '30m', rpo: '26h' },
        steps: [
          {
            step: 'db.restoreDump',
            backup: 'dumps',
            scratch: engine === 'postgres' ? { postgres: PG_SERVER } : { mysql: MYSQL_SERVER },
          },
          {
            step: 'db.assert',
            assertions: [
              {
                name: 'read by the loader',
                sql: "SELECT CASE WHEN current_user LIKE 'opsfn\\_l\\_%' THEN 1 ELSE 0 END",
                equals: 1,
              },
            ],
          },
        ],
      },
    }),
  );
  return { config, other, text };
}

describe('drDrill db.restoreDump of a hostile dump', () => {
  it('refuses a psql meta-command at its line, touches nothing, and cleans up', async () => {
    const marker = `/tmp/opsfn-drill-pwned-${suffix()}`;
    const { config, text } = await hostileDrill('postgres', () => `\\! touch ${marker}`);
    const logs = captureLogs();
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
      logSink: logs.sink,
    });
    const [restore, , cleanup] = envelope.items as { name: string; status: string; detail: string }[];
    const line = text.split('\n').indexOf(`\\! touch ${marker}`) + 1;
    expect(restore).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`refused at line ${line}: psql meta-command refused`),
    });
    expect(cleanup).toMatchObject({ status: 'ok' });
    await expect(stat(marker)).rejects.toThrow();
    expect(await databasesLike('postgres', `opsfn_drill_${envelope.drill}`)).toEqual([]);
    for (const action of ['drill.create-database', 'drill.delete-scratch-db'])
      expect(
        logs
          .audits()
          .filter((a) => a.action === action)
          .map((a) => a.decision),
      ).toEqual(['intent', 'done']);
  });

  it('refuses USE of another MySQL database at its line and leaves that database alone', async () => {
    const { config, other, text } = await hostileDrill('mysql', (name) => `USE ${name};\nCREATE TABLE pwned (a int);`);
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
    });
    const [restore] = envelope.items as { status: string; detail: string }[];
    const line = text.split('\n').indexOf(`USE ${other.name};`) + 1;
    expect(restore).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`refused at line ${line}: USE ${other.name}: another database`),
    });
    expect(await other.tables()).toEqual(['canary']);
    expect(await databasesLike('mysql', `opsfn_drill_${envelope.drill}`)).toEqual([]);
  });

  it.each(['postgres', 'mysql'] as const)(
    'reads a clean %s copy as its loader, never as the scratch server’s user',
    async (engine) => {
      const { config } = await hostileDrill(engine, () => '');
      const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
        estate: config,
      });
      expect(envelope.items).toEqual([
        expect.objectContaining({ status: 'ok' }),
        expect.objectContaining({ status: 'ok', detail: expect.stringContaining('1/1 assertions passed') }),
        expect.objectContaining({ name: 'cleanup', status: 'ok' }),
      ]);
    },
  );

  it('refuses a client that cannot be restricted before creating anything', async () => {
    const { config } = await hostileDrill('postgres', () => '');
    const refusing = createDrDrill({
      ...defaultDrDrillDeps(),
      checkClient: async () => {
        throw new RestoreError('client', 'refused: psql (PostgreSQL) 15.3 has no \\restrict');
      },
    });
    const { envelope } = await runForTest(refusing, cli({ plan: 'quarterly-db' }), {
      estate: config,
    });
    expect(envelope.items).toContainEqual(
      expect.objectContaining({ status: 'fail', detail: 'refused: psql (PostgreSQL) 15.3 has no \\restrict' }),
    );
    expect(envelope.actions.map((a) => a.action)).not.toContain('drill.create-database');
  });
});

describe('drDrill cleanup under the kill switch', () => {
  it('does not report a database the kill switch never let it create as leaked', async () => {
    const { config } = await hostileDrill('postgres', () => '');
    const state = new MemoryStateStore();
    await state.put(GuardKeys.paused, { reason: 'incident', at: new Date().toISOString() });
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
      state,
    });
    const [restore, , cleanup] = envelope.items as { name: string; status: string; detail: string }[];
    expect(restore).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/was refused: paused since .*: incident$/),
    });
    expect(cleanup).toMatchObject({ status: 'ok' });
    const drill = (await state.get<DrillRecord>(`drill:${envelope.drill}`)) as DrillRecord;
    expect(drill.resources).toEqual([
      expect.objectContaining({
        kind: 'scratch-db',
        state: 'deleted',
        detail: expect.stringContaining('was never created'),
      }),
    ]);
  });
});
