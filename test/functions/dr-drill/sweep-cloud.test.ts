import { describe, expect, it } from 'vitest';
import { drillKey } from '../../../functions/dr-drill/model.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { useCloudFakes } from './cloud-harness.js';

const DR = 'projects/p1/locations/us-west1/services';
const past = String(Math.floor(Date.now() / 1000) - 60);
const future = String(Math.floor(Date.now() / 1000) + 3600);
const labels = (id: string, expires = past) => ({ 'opsfn-drill': id, 'opsfn-expires': expires });

const cloud = useCloudFakes();
const addInstance = (name: string, settings = {}) => cloud.addInstance(name, 'MYSQL_8_0', settings);
const PLAN = [
  { step: 'sql.clone', database: 'pg' },
  { step: 'run.deploy', service: 'web', region: 'us-west1' },
];
const janitor = (dryRun = false) => cloud.invoke({ task: 'janitor' }, PLAN, dryRun);

const actions = (envelope: { items?: unknown }) =>
  (envelope.items as { resource: string; action: string }[]).map((i) => [i.resource, i.action]);

describe('the drill janitor in the cloud', () => {
  it('sweeps expired, labelled drill resources no record knows, and nothing else (and nothing in a dry run)', async () => {
    cloud.run().addService(`${DR}/opsfn-drill-aaaaaaaa-deploy`, { labels: labels('aaaaaaaa') });
    cloud.run().addService(`${DR}/opsfn-drill-bbbbbbbb-deploy`, { labels: labels('bbbbbbbb', future) });
    cloud.run().addService(`${DR}/frontend-dr`, { labels: labels('cccccccc') });
    addInstance('pg1');
    addInstance('opsfn-drill-dddddddd-clone', { userLabels: labels('dddddddd') });
    const dry = await janitor(true);
    expect(actions(dry).map(([, action]) => action)).toEqual(['skipped', 'skipped']);
    expect(cloud.run().server.find('DELETE', /.*/)).toEqual([]);
    expect(cloud.sql().server.find('DELETE', /.*/)).toEqual([]);
    const envelope = await janitor();
    expect(envelope.outcome).toBe('ok');
    expect(actions(envelope)).toEqual([
      ['opsfn-drill-dddddddd-clone', 'deleted'],
      ['opsfn-drill-aaaaaaaa-deploy', 'deleted'],
    ]);
    expect([...cloud.run().services.keys()].sort()).toEqual([`${DR}/frontend-dr`, `${DR}/opsfn-drill-bbbbbbbb-deploy`]);
    expect([...cloud.sql().instances.keys()]).toEqual(['p1/pg1']);
  });

  it("sweeps a resource a record calls deleted that is there all the same, besides a live record's own", async () => {
    // Drill aaaaaaaa's record says its service was never created (deleted); the create landed after that look.
    cloud.run().addService(`${DR}/opsfn-drill-aaaaaaaa-deploy`, { labels: labels('aaaaaaaa') });
    // Drill bbbbbbbb's record still holds its (expired) copy: the record's own pass deletes that, not the sweep.
    cloud.run().addService(`${DR}/opsfn-drill-bbbbbbbb-deploy`, { labels: labels('bbbbbbbb') });
    addInstance('pg1');
    const state = new MemoryStateStore();
    const at = new Date().toISOString();
    const record = (id: string, resourceState: string) => ({
      id,
      plan: 'dr',
      definition: { approval: 'none', steps: [], ttl: 43_200_000, approvalTimeout: 86_400_000 },
      status: 'passed',
      startedAt: at,
      startedBy: 'cli:tester',
      updatedAt: at,
      finishedAt: at,
      steps: [],
      resources: [
        {
          kind: 'cloud-run',
          name: `opsfn-drill-${id}-deploy`,
          project: 'p1',
          region: 'us-west1',
          step: 'deploy',
          state: resourceState,
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
          recordedAt: at,
        },
      ],
      runs: [],
    });
    await state.put(drillKey('aaaaaaaa'), record('aaaaaaaa', 'deleted'));
    await state.put(drillKey('bbbbbbbb'), record('bbbbbbbb', 'created'));
    const envelope = await cloud.invoke({ task: 'janitor' }, PLAN, false, state);
    expect(actions(envelope).sort()).toEqual([
      ['opsfn-drill-aaaaaaaa-deploy', 'deleted'],
      ['opsfn-drill-bbbbbbbb-deploy', 'deleted'],
    ]);
    expect([...cloud.run().services.keys()]).toEqual([]);
    expect(cloud.run().server.find('DELETE', /.*/)).toHaveLength(2);
  });

  it('follows every list to its last page and never matches by copied labels alone', async () => {
    // Production wearing a drill's labels (a clone copies its source's), and a drill name with another drill's.
    addInstance('pg1', { userLabels: labels('aaaaaaaa') });
    addInstance('pg2');
    addInstance('opsfn-drill-bbbbbbbb-clone', { userLabels: labels('aaaaaaaa') });
    addInstance('opsfn-drill-aaaaaaaa-clone', { userLabels: labels('aaaaaaaa') });
    for (const name of ['web-a', 'web-b', 'opsfn-drill-eeeeeeee-deploy']) {
      cloud.run().addService(`${DR}/${name}`, { labels: labels('eeeeeeee') });
    }
    const envelope = await janitor();
    expect(actions(envelope)).toEqual([
      ['opsfn-drill-aaaaaaaa-clone', 'deleted'],
      ['opsfn-drill-eeeeeeee-deploy', 'deleted'],
    ]);
    expect([...cloud.sql().instances.keys()].sort()).toEqual(['p1/opsfn-drill-bbbbbbbb-clone', 'p1/pg1', 'p1/pg2']);
    expect(cloud.sql().server.find('GET', /^\/v1\/projects\/p1\/instances$/).length).toBeGreaterThan(1);
    expect(cloud.run().server.find('GET', /\/us-west1\/services$/).length).toBeGreaterThan(1);
  });
});
