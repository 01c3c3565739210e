import { expect, it } from 'vitest';
import { createCloudSqlDrill } from '../../../functions/dr-drill/adapters/cloud-sql.js';
import { defaultDrDrillDeps } from '../../../functions/dr-drill/deps.js';
import { createDrDrill } from '../../../functions/dr-drill/handler.js';
import { type DrillRecord, drillKey } from '../../../functions/dr-drill/model.js';
import { drillRoutes } from '../../../functions/dr-drill/routes.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createTestRunner, manualTrigger, scheduledTrigger } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';
import { useCloudFakes } from './cloud-harness.js';

const cloud = useCloudFakes();
const HOUR = 3_600_000;

it('gives a resource created after a long wait for approval its ttl from its creation: the janitor leaves it to the drill', async () => {
  cloud.addInstance('pg1', 'POSTGRES_16');
  const sql = cloud.sql();
  let t = Date.now();
  const now = () => new Date(t);
  const drill = createDrDrill({
    ...defaultDrDrillDeps(),
    cloudSql: (endpoint, ms, signal) => createCloudSqlDrill(endpoint, ms, signal, 10),
    sleep: async () => undefined,
  });
  const config = testEstate({
    endpoints: { sqladmin: { url: sql.server.url, credentials: 'none' } },
    databases: { pg: { kind: 'cloud-sql', project: 'p1', instance: 'pg1' } },
    // The defaults: ttl 12h, approvalTimeout 24h.
    drills: {
      dr: {
        targets: { rto: '60m', rpo: '1d' },
        approval: 'required',
        steps: [
          { step: 'sql.clone', database: 'pg', pollInterval: '10ms' },
          { step: 'wait', name: 'soak', duration: '2h' },
        ],
      },
    } as never,
  });
  const state = new MemoryStateStore({ now: () => t });
  const sent: Record<string, unknown>[] = [];
  const runner = createTestRunner(drill, {
    estate: config,
    state,
    now,
    continuation: async (_fn, _key, payload) => {
      sent.push(payload);
    },
  });
  const deliver = async () => {
    const payload = sent.shift();
    if (payload)
      await runner.run(scheduledTrigger(payload, { id: `continue:${sent.length}:${t}`, job: 'continue:drDrill' }));
  };
  const started = await runner.run(manualTrigger({ plan: 'dr' }, { id: 'm-1', caller: 'token:0' }));
  const id = started.envelope.drill as string;
  await deliver();
  // Approved 13 hours later, inside approvalTimeout (24h) but past the ttl (12h) counted from the start.
  t += 13 * HOUR;
  const approve = drillRoutes.find((r) => r.subpath === 'approve');
  const answer = await approve?.handle({
    method: 'POST',
    subpath: 'approve',
    query: new URLSearchParams(),
    body: { id },
    caller: 'token:1',
    config,
    state,
    now,
    log: { audit: () => undefined } as never,
    continue: async (_key: string, payload: Record<string, unknown>) => {
      sent.push(payload);
    },
  } as never);
  expect(answer?.status).toBe(200);
  await deliver();
  await deliver();
  const record = await state.get<DrillRecord>(drillKey(id));
  expect(record?.status).toBe('running');
  for (const resource of record?.resources ?? []) expect(Date.parse(resource.expiresAt)).toBeGreaterThan(t);
  const janitor = await runner.run(manualTrigger({ task: 'janitor' }, { id: 'm-janitor', caller: 'token:0' }));
  expect(janitor.envelope.summary).toMatch(/^janitor: 0 expired drill resource\(s\) deleted/);
  expect(sql.instances.has(`p1/opsfn-drill-${id}-clone`)).toBe(true);
});
