import { describe, expect, it } from 'vitest';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill, drDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import { runAssertions } from '../../../shared/adapters/databases/assertions.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { serveRuntime } from '../../support/serve.js';
import { createDatabase, databasesLike, drillEstate, dropDatabase, MYSQL_SERVER, PG_SERVER } from './fixtures.js';
import { cli, scheduled, setup, useCleanups } from './harness.js';

const cleanups = useCleanups();

describe('drDrill end to end', () => {
  it('runs a full drill over HTTP: 202 at once, steps in later invocations, RPO from the heartbeat, reports, cleanup', async () => {
    const { prod, work, svc } = await setup(cleanups, 'postgres');
    const config = testEstate(
      drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        plan: {
          targets: { rto: '60m', rpo: '1h' },
          heartbeat: { database: 'main-db' },
          checklist: [
            { item: 'Restore the latest backup to staging', step: 'restore' },
            { item: 'Health check', step: 'ready' },
          ],
          steps: [
            { step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER } },
            { step: 'db.assert', assertions: [{ sql: 'SELECT count(*) FROM conversations', min: 1000 }] },
            {
              step: 'http.check',
              name: 'ready',
              url: `${svc.url}/ready`,
              expect: { status: 200, body: '"database":"ok"' },
            },
          ],
        },
      }),
    );
    const state = new MemoryStateStore();
    const notifier = recordingNotifier();
    // The heartbeat job ran 30 minutes before the drill; the dump taken after it carries that row.
    const { envelope: beat } = await runForTest(drDrill, scheduled({ task: 'heartbeat' }), {
      estate: config,
      state,
      now: () => new Date(Date.now() - 30 * 60_000),
    });
    expect(beat.items).toEqual([expect.objectContaining({ status: 'ok' })]);
    await work.putDump('db_prod.sql.gz', await prod.dump());

    const served = await serveRuntime({ config, functions: [drDrill], state, notifier, logSink: () => undefined });
    cleanups.push(() => served.stop());
    const res = await fetch(`${served.url}/drDrill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'quarterly-db' }),
    });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { drill: string; status: string };
    expect(started.drill).toMatch(/^[0-9a-f]{8}$/);

    let progress:
      | { status: string; steps: { name: string; status: string }[]; measurements: Record<string, unknown> }
      | undefined;
    for (let i = 0; i < 300; i++) {
      const got = await fetch(`${served.url}/drDrill?id=${started.drill}`);
      progress = (await got.json()) as typeof progress;
      if (progress && ['passed', 'failed', 'cancelled'].includes(progress.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(progress?.status).toBe('passed');
    const listed = (await (await fetch(`${served.url}/drDrill`)).json()) as {
      drills: { id: string; status: string }[];
    };
    expect(listed.drills).toEqual([
      expect.objectContaining({ id: started.drill, plan: 'quarterly-db', status: 'passed' }),
    ]);
    expect((await fetch(`${served.url}/drDrill?id=nope`)).status).toBe(400);
    expect((await fetch(`${served.url}/drDrill?id=00000000`)).status).toBe(404);
    expect(progress?.steps.map((s) => [s.name, s.status])).toEqual([
      ['restore', 'ok'],
      ['assert', 'ok'],
      ['ready', 'ok'],
      ['cleanup', 'ok'],
    ]);
    const m = progress?.measurements as { rto: number; rpo: number; rpoSource: string; rtoOk: boolean; rpoOk: boolean };
    expect(m.rpoSource).toBe('heartbeat');
    expect(m.rpo).toBeGreaterThanOrEqual(1795);
    expect(m.rpo).toBeLessThan(1900);
    expect(m.rto).toBeLessThan(60);
    expect(m.rtoOk && m.rpoOk).toBe(true);

    const drill = (await state.get<DrillRecord>(drillKey(started.drill))) as DrillRecord;
    expect(drill.runs.length).toBeGreaterThanOrEqual(5);
    expect(drill.resources).toEqual([
      expect.objectContaining({ kind: 'scratch-db', name: `opsfn_drill_${started.drill}_restore`, state: 'deleted' }),
    ]);
    expect(await databasesLike('postgres', `opsfn_drill_${started.drill}`)).toEqual([]);
    expect(svc.hits).toContain('/ready');

    const reports = await work.reports();
    const json = Object.entries(reports).find(([k]) => k.endsWith('.json'))?.[1] ?? '';
    const html = Object.entries(reports).find(([k]) => k.endsWith('.html'))?.[1] ?? '';
    expect(JSON.parse(json)).toMatchObject({
      drill: started.drill,
      status: 'passed',
      measurements: { rpoSource: 'heartbeat' },
    });
    expect(html).toContain('<svg');
    expect(html).toContain('☑ Restore the latest backup to staging');
    const last = notifier.sent.at(-1);
    expect(last?.title).toContain('passed');
    expect(last?.links?.[0]?.url).toBe(drill.report?.html);
  });

  it('fails a drill whose assertion fails, still cleans up, and says where (MariaDB, foreground)', async () => {
    const { prod, work } = await setup(cleanups, 'mysql', 50);
    const config = testEstate(
      drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        plan: {
          targets: { rto: '30m', rpo: '26h' },
          heartbeat: { database: 'main-db', table: 'opsfn_beat' },
          steps: [
            { step: 'db.restoreDump', backup: 'dumps', scratch: { mysql: MYSQL_SERVER } },
            { step: 'db.assert', name: 'rows', assertions: [{ sql: 'SELECT count(*) FROM conversations', min: 1000 }] },
            { step: 'http.check', url: 'http://127.0.0.1:9/never', expect: { status: 200 } },
          ],
        },
      }),
    );
    const state = new MemoryStateStore();
    const { envelope: beat } = await runForTest(drDrill, scheduled({ task: 'heartbeat' }), {
      estate: config,
      state,
      now: () => new Date(Date.now() - 2 * 3_600_000),
    });
    expect(beat.items).toEqual([expect.objectContaining({ target: 'main-db/opsfn_beat', status: 'ok' })]);
    await work.putDump('db_prod.sql.gz', await prod.dump());
    const notifier = recordingNotifier();
    const progress: string[] = [];
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
      state,
      notifier,
      onProgress: (text) => progress.push(text),
    });
    expect(envelope.outcome).toBe('fail');
    const id = envelope.drill as string;
    expect(progress).toContainEqual(
      expect.stringMatching(new RegExp(`^drill ${id}: step \\d+/\\d+ rows \\(db\\.assert\\) running$`)),
    );
    expect(progress.some((line) => /^drill \w+: step \d+\/\d+ rows fail: 0\/1 assertions passed/.test(line))).toBe(
      true,
    );
    expect((envelope.items as { name: string; status: string }[]).map((s) => [s.name, s.status])).toEqual([
      ['restore', 'ok'],
      ['rows', 'fail'],
      ['check', 'skipped'],
      ['cleanup', 'ok'],
    ]);
    expect(envelope.summary).toContain('step rows failed');
    expect(envelope.summary).toContain('50 < min 1000');
    expect(envelope.rto).toBeNull();
    expect(await databasesLike('mysql', `opsfn_drill_${id}`)).toEqual([]);
    const report = JSON.parse(Object.entries(await work.reports()).find(([k]) => k.endsWith('.json'))?.[1] ?? '{}');
    expect(report.reasons[0]).toContain('step rows failed');
    expect(report.measurements.rpoSource).toBe('heartbeat');
    expect(envelope.rpo as number).toBeGreaterThanOrEqual(7195);
    expect(envelope.rpo as number).toBeLessThan(7300);
    expect(notifier.sent.at(-1)?.severity).toBe('warning');
  });

  it('detects a leaked resource: a database with the drill prefix left after cleanup fails the drill and is not touched', async () => {
    const { prod, work } = await setup(cleanups, 'postgres', 10);
    await work.putDump('db_prod.sql.gz', await prod.dump());
    let stray = '';
    const config = testEstate(
      drillEstate({
        prod,
        backupsUrl: work.backupsUrl,
        reportsUrl: work.reportsUrl,
        plan: {
          targets: { rto: '30m', rpo: '26h' },
          steps: [
            { step: 'db.restoreDump', backup: 'dumps', scratch: { postgres: PG_SERVER } },
            { step: 'db.assert', assertions: [{ sql: 'SELECT count(*) FROM conversations', equals: 10 }] },
          ],
        },
      }),
    );
    // Something the drill never recorded appears under its prefix while it runs.
    const leaky = createDrDrill({
      ...defaultDrDrillDeps(),
      assertions: async (db, assertions, timeoutMs) => {
        stray = db.name.replace(/_restore$/, '_stray');
        await createDatabase('postgres', stray);
        cleanups.push(() => dropDatabase('postgres', stray));
        return runAssertions(db, assertions, { timeoutMs });
      },
    });
    const notifier = recordingNotifier();
    const { envelope } = await runForTest(leaky, cli({ plan: 'quarterly-db' }), {
      estate: config,
      notifier,
    });
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toContain(`left behind: ${stray}`);
    expect(envelope.resources).toEqual([
      { kind: 'scratch-db', name: `opsfn_drill_${envelope.drill}_restore`, state: 'deleted' },
      { kind: 'scratch-db', name: stray, state: 'leaked' },
    ]);
    expect(await databasesLike('postgres', stray)).toEqual([stray]);
    expect(notifier.sent.at(-1)?.severity).toBe('critical');
  });
});
