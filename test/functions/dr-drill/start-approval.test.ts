import { describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { approvalKey, type DrillRecord, drillKey, type Signal } from '../../../functions/dr-drill/model.js';
import { drillRoutes } from '../../../functions/dr-drill/routes.js';
import { activeKey } from '../../../functions/dr-drill/start.js';
import { DependencyError } from '../../../shared/core/errors/index.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { createRuntime } from '../../../shared/host/runtime/runtime.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { databasesLike } from './fixtures.js';
import { continued, manual, scheduled, standardEstate, useCleanups } from './harness.js';

const cleanups = useCleanups();

type Sent = { key: string; payload: Record<string, unknown> };

/**
 * drDrill over `state` with the standard estate (its plan given `plan`), whose continuations are kept for the
 * test to deliver, or refused while `refuse()` says so.
 */
async function drillRuntime(state: MemoryStateStore, plan: Record<string, unknown> = {}, refuse = () => false) {
  const config = await standardEstate(cleanups, plan);
  const sent: Sent[] = [];
  const runtime = await createRuntime({
    config,
    functions: [drDrill],
    state,
    notifier: recordingNotifier(),
    logSink: () => undefined,
    continuation: async (_fn, key, payload) => {
      if (refuse()) throw new DependencyError('Pub/Sub unavailable', { retryable: true });
      sent.push({ key, payload });
    },
  });
  /** Delivers continuations until none is left; the drill as it then is. */
  const deliver = async (id: string) => {
    for (let next = sent.shift(); next; next = sent.shift()) {
      await runtime.invoke('drDrill', continued(next.key, next.payload));
    }
    return (await state.get<DrillRecord>(drillKey(id))) as DrillRecord;
  };
  return { config, runtime, sent, deliver };
}

/** A drill of plan `quarterly-db` needing approval, whose continuations run only when the test delivers them. */
async function heldDrill(state: MemoryStateStore) {
  const { config, runtime, sent, deliver } = await drillRuntime(state, { approval: 'required' });
  const id = (await runtime.invoke('drDrill', manual({ plan: 'quarterly-db' }))).drill as string;
  const route = drillRoutes.find((r) => r.subpath === 'approve');
  const approve = (caller: string) =>
    route?.handle({
      ...{ method: 'POST', subpath: 'approve', query: new URLSearchParams(), body: { id }, caller, config, state },
      now: () => new Date(),
      log: runtime.logger('drDrill'),
      continue: async (key, payload) => {
        sent.push({ key, payload });
      },
    });
  return { id, approve, deliver: () => deliver(id) };
}

describe('drDrill approval', () => {
  it('counts an approval given before the drill reached its gate', async () => {
    const state = new MemoryStateStore();
    const drill = await heldDrill(state);
    // The second person approves at once, while the drill is still running towards its first creating step.
    expect((await drill.approve('token:1'))?.status).toBe(200);
    const done = await drill.deliver();
    expect(done.status).toBe('passed');
    expect(done.approval).toMatchObject({ approvedBy: 'token:1' });
    expect(await databasesLike('postgres', `opsfn_drill_${drill.id}`)).toEqual([]);
  });

  it('takes an approval stored while the turn that reached the gate was saving, which sent no continuation', async () => {
    const state = new MemoryStateStore();
    const drill = await heldDrill(state);
    // The route read the drill as running (so it sends no continuation) and stores its approval just as the
    // engine saves the drill at the gate.
    const put = state.put.bind(state);
    state.put = async (key, value, ttl) => {
      await put(key, value, ttl);
      const saved = value as Partial<DrillRecord>;
      if (
        key === drillKey(drill.id) &&
        saved.status === 'awaiting-approval' &&
        !(await state.get(approvalKey(drill.id)))
      ) {
        await put(approvalKey(drill.id), { by: 'token:1', at: new Date().toISOString() } satisfies Signal);
      }
    };
    const done = await drill.deliver();
    expect(done.status).toBe('passed');
    expect(done.approval).toMatchObject({ approvedBy: 'token:1' });
  });
});

describe('drDrill start', () => {
  it('goes on with the drill a redelivered start trigger began, when its continuation could not be sent', async () => {
    const state = new MemoryStateStore();
    let publish: 'fail' | 'ok' = 'fail';
    const { runtime, sent, deliver } = await drillRuntime(state, {}, () => publish === 'fail');
    const start = scheduled({ plan: 'quarterly-db' });
    const first = await runtime.invoke('drDrill', start);
    expect(first.error).toMatchObject({ retryable: true });
    const id = (await state.get<string>(activeKey('quarterly-db'))) as string;
    publish = 'ok';
    // Pub/Sub delivers the same Scheduler message again; another trigger still finds one drill per plan.
    const again = await runtime.invoke('drDrill', start);
    expect(again).toMatchObject({ outcome: 'ok', drill: id });
    const other = await runtime.invoke('drDrill', scheduled({ plan: 'quarterly-db' }));
    expect(other.outcome).toBe('skipped');
    expect(sent).toEqual([{ key: expect.stringMatching(new RegExp(`^${id}:start`)), payload: { drill: id } }]);
    expect((await deliver(id)).status).toBe('passed');
  });
});
