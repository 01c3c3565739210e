import { describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runForTest } from '../../../shared/testing/index.js';
import { suffix } from '../../shared/adapters/databases/seed.js';
import { createDatabase, databasesLike, dropDatabase, PG_SERVER } from './fixtures.js';
import { manual, standardEstate, useCleanups } from './harness.js';

const cleanups = useCleanups();
const estate = (plan?: Record<string, unknown>) => standardEstate(cleanups, plan);

/** A failed drill whose scratch database `opsfn_drill_<id>_restore` exists, its resources expired a minute ago. */
async function crashedDrill() {
  const config = await estate();
  const state = new MemoryStateStore();
  const id = suffix();
  const name = `opsfn_drill_${id}_restore`;
  await createDatabase('postgres', name);
  cleanups.push(() => dropDatabase('postgres', name));
  const past = new Date(Date.now() - 60_000).toISOString();
  const scratch = (database: string) => ({
    ...{ kind: 'scratch-db', name: database, step: 'restore', engine: 'postgres', server: { postgres: PG_SERVER } },
    ...{ expiresAt: past, state: 'created', recordedAt: past },
  });
  const save = (resources: unknown[]) =>
    state.put(drillKey(id), {
      ...{ id, plan: 'quarterly-db', definition: config.drills['quarterly-db'], status: 'failed', startedAt: past },
      ...{ startedBy: 'token:0', updatedAt: past, steps: [], runs: [], resources },
    });
  return { config, state, id, name, scratch, save };
}

describe('drDrill janitor and plan checks', () => {
  it('janitor deletes the expired resources of a crashed drill and refuses names without the prefix', async () => {
    const { config, state, id, name, scratch, save } = await crashedDrill();
    await save([scratch(name), scratch('postgres')]);
    const { envelope } = await runForTest(drDrill, manual({ task: 'janitor' }), {
      estate: config,
      state,
    });
    expect(envelope.items).toEqual([
      expect.objectContaining({ resource: name, action: 'deleted' }),
      expect.objectContaining({ resource: 'postgres', action: 'leaked', detail: expect.stringContaining('refused') }),
    ]);
    expect(envelope.outcome).toBe('fail');
    expect(await databasesLike('postgres', name)).toEqual([]);
    expect(await databasesLike('postgres', 'postgres')).toContain('postgres');
    const after = (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
    expect(after.resources.map((r) => r.state)).toEqual(['deleted', 'leaked']);
  });

  it('refuses "dryRun" in the body of a task or a drill, which would run for real, and changes nothing', async () => {
    const { config, state, id, name, scratch, save } = await crashedDrill();
    await save([scratch(name)]);
    for (const body of [
      { task: 'janitor', dryRun: true },
      { drill: id, dryRun: true },
    ]) {
      const { envelope } = await runForTest(drDrill, manual(body), { estate: config, state });
      expect(envelope.outcome).toBe('rejected');
      expect(envelope.summary).toContain('"dryRun" in the body previews a "plan" only');
      expect(envelope.actions).toEqual([]);
    }
    expect(await databasesLike('postgres', name)).toEqual([name]);
    expect((await state.get<DrillRecord>(drillKey(id)))?.resources[0]?.state).toBe('created');
  });

  it('refuses an unknown plan at run time, and a plan that names a missing backup when the estate loads', async () => {
    const config = await estate();
    const state = new MemoryStateStore();
    const { envelope: unknown } = await runForTest(drDrill, manual({ plan: 'other' }), { estate: config, state });
    expect(unknown.summary).toContain('unknown drill plan "other" (known: quarterly-db)');
    expect(unknown.outcome).toBe('rejected');
    expect(await state.keys('drill')).toEqual([]);
    await expect(
      estate({ steps: [{ step: 'db.restoreDump', backup: 'dumsp', scratch: { postgres: PG_SERVER } }] }),
    ).rejects.toThrow(
      'drills.quarterly-db.steps[0].backup: unknown backup "dumsp" (known: dumps; did you mean "dumps"?)',
    );
  });
});
