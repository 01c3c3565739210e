import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudRunDrill } from '../../../functions/dr-drill/adapters/cloud-run.js';
import { createCloudSqlDrill } from '../../../functions/dr-drill/adapters/cloud-sql.js';
import { createDrDrill } from '../../../functions/dr-drill/handler.js';
import type { ManualTrigger } from '../../../shared/events/trigger.js';
import { runFunction } from '../../../shared/runtime/invoke.js';
import { MemoryStateStore } from '../../../shared/state/memory.js';
import { FakeCloudRunDr } from '../../fakes/cloud-run-dr.js';
import { type FakeDrSettings, FakeSqlAdminDr } from '../../fakes/sqladmin-dr.js';
import { suffix } from '../../shared/databases/seed.js';
import { testEstate } from '../../support/estate.js';

const DR = 'projects/p1/locations/us-west1/services';
const drill = createDrDrill({
  cloudSql: (endpoint, timeoutMs, signal) => createCloudSqlDrill(endpoint, timeoutMs, signal, 10),
  cloudRun: (endpoint, timeoutMs, signal) => createCloudRunDrill(endpoint, timeoutMs, signal, 10),
});
const past = String(Math.floor(Date.now() / 1000) - 60);
const future = String(Math.floor(Date.now() / 1000) + 3600);
const labels = (id: string, expires = past) => ({ 'opsfn-drill': id, 'opsfn-expires': expires });

let sql: FakeSqlAdminDr;
let run: FakeCloudRunDr;
beforeEach(async () => {
  sql = new FakeSqlAdminDr();
  run = new FakeCloudRunDr();
  await Promise.all([sql.start(), run.start()]);
});
afterEach(() => Promise.all([sql.stop(), run.stop()]));

const addInstance = (name: string, settings: Partial<FakeDrSettings> = {}) =>
  sql.addInstance('p1', {
    name,
    databaseVersion: 'MYSQL_8_0',
    region: 'us-central1',
    settings: { tier: 't', ...settings },
  });

function janitor(dryRun = false) {
  const config = testEstate({
    endpoints: {
      sqladmin: { url: sql.server.url, credentials: 'none' },
      run: { url: run.server.url, credentials: 'none' },
    },
    services: { frontend: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'frontend' } },
    databases: { main: { kind: 'cloud-sql', project: 'p1', instance: 'db1' } },
    drills: {
      dr: {
        targets: { rto: '60m', rpo: '1h' },
        steps: [
          { step: 'sql.clone', database: 'main' },
          { step: 'run.deploy', service: 'frontend', region: 'us-west1' },
        ],
      },
    } as never,
  });
  const trigger: ManualTrigger = {
    kind: 'manual',
    id: `cli:${suffix()}`,
    payload: { task: 'janitor' },
    caller: 'cli:t',
  };
  return runFunction(drill, trigger, { config, state: new MemoryStateStore(), dryRun, logSink: () => undefined });
}

const actions = (envelope: { items?: unknown }) =>
  (envelope.items as { resource: string; action: string }[]).map((i) => [i.resource, i.action]);

describe('the drill janitor in the cloud', () => {
  it('sweeps expired, labelled drill resources no record knows, and nothing else (and nothing in a dry run)', async () => {
    run.addService(`${DR}/opsfn-drill-aaaaaaaa-deploy`, { labels: labels('aaaaaaaa') });
    run.addService(`${DR}/opsfn-drill-bbbbbbbb-deploy`, { labels: labels('bbbbbbbb', future) });
    run.addService(`${DR}/frontend-dr`, { labels: labels('cccccccc') });
    addInstance('db1');
    addInstance('opsfn-drill-dddddddd-clone', { userLabels: labels('dddddddd') });
    const dry = await janitor(true);
    expect(actions(dry).map(([, action]) => action)).toEqual(['skipped', 'skipped']);
    expect(run.server.find('DELETE', /.*/)).toEqual([]);
    expect(sql.server.find('DELETE', /.*/)).toEqual([]);
    const envelope = await janitor();
    expect(envelope.outcome).toBe('ok');
    expect(actions(envelope)).toEqual([
      ['opsfn-drill-dddddddd-clone', 'deleted'],
      ['opsfn-drill-aaaaaaaa-deploy', 'deleted'],
    ]);
    expect([...run.services.keys()].sort()).toEqual([`${DR}/frontend-dr`, `${DR}/opsfn-drill-bbbbbbbb-deploy`]);
    expect([...sql.instances.keys()]).toEqual(['p1/db1']);
  });

  it('follows every list to its last page and never matches by copied labels alone', async () => {
    // Production wearing a drill's labels (a clone copies its source's), and a drill name with another drill's.
    addInstance('db1', { userLabels: labels('aaaaaaaa') });
    addInstance('db2');
    addInstance('opsfn-drill-bbbbbbbb-clone', { userLabels: labels('aaaaaaaa') });
    addInstance('opsfn-drill-aaaaaaaa-clone', { userLabels: labels('aaaaaaaa') });
    for (const name of ['web-a', 'web-b', 'opsfn-drill-eeeeeeee-deploy']) {
      run.addService(`${DR}/${name}`, { labels: labels('eeeeeeee') });
    }
    const envelope = await janitor();
    expect(actions(envelope)).toEqual([
      ['opsfn-drill-aaaaaaaa-clone', 'deleted'],
      ['opsfn-drill-eeeeeeee-deploy', 'deleted'],
    ]);
    expect([...sql.instances.keys()].sort()).toEqual(['p1/db1', 'p1/db2', 'p1/opsfn-drill-bbbbbbbb-clone']);
    expect(sql.server.find('GET', /^\/v1\/projects\/p1\/instances$/).length).toBeGreaterThan(1);
    expect(run.server.find('GET', /\/us-west1\/services$/).length).toBeGreaterThan(1);
  });
});
