import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releasePin } from '../../../functions/rollback/release-pin.js';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import type { ManualTrigger } from '../../../shared/core/events/trigger.js';
import { createContext } from '../../../shared/host/runtime/context.js';
import { createServices } from '../../../shared/host/runtime/services.js';
import { alertTrigger, cloudRunHarness, minutesAgo, PATCH_PATH, SERVICE } from './harness.js';

type Harness = Awaited<ReturnType<typeof cloudRunHarness>>;

const manual = (id: string, payload: Record<string, unknown>): ManualTrigger => ({
  kind: 'manual',
  id: `manual:${id}`,
  payload,
  caller: 'oncall@example.com',
});

describe('manual rollback and release-pin', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await cloudRunHarness();
  });
  afterEach(() => h.stop());

  it('rolls back to a named revision on a manual request, recording who asked', async () => {
    const envelope = await h.invoke(
      manual('m1', { service: 'web', toRevision: 'web-00001-aaa', reason: 'bad release' }),
    );
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'done' }]);
    expect(h.run.traffic(SERVICE)).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-aaa', percent: 100 },
    ]);
    expect(JSON.stringify(envelope.items)).toContain('manual rollback by oncall@example.com: bad release');
  });

  it('rejects a manual request for an unknown revision and changes nothing', async () => {
    const envelope = await h.invoke(manual('m2', { service: 'web', toRevision: 'web-00009-zzz', reason: 'x' }));
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toMatch(/has no revision "web-00009-zzz"/);
    expect(h.run.server.find('PATCH', PATCH_PATH)).toHaveLength(0);
  });

  it('releases the pin once a fixed revision is deployed: 100% to the latest ready revision', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    await h.invoke(alertTrigger('inc-p1'));
    expect(await h.state.get(RollbackKeys.pin('web'))).toBeDefined();
    // The rolled-back revision is marked bad, so a release must wait for a new deploy.
    const refused = await h.invoke(manual('m3', { action: 'release-pin', service: 'web', reason: 'fixed' }));
    expect(refused.outcome).toBe('fail');
    expect(refused.summary).toMatch(/was rolled back as bad; deploy a fix/);

    h.run.addRevision(SERVICE, { name: 'web-00004-ddd', createTime: new Date().toISOString() });
    const { ctx } = createContext(createServices({ config: h.config, state: h.state }), 'rollback', manual('m4', {}));
    const released = await releasePin(ctx, 'web', h.deps);
    expect(released.outcome).toBe('ok');
    expect(h.run.traffic(SERVICE)).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    expect(await h.state.get(RollbackKeys.pin('web'))).toBeUndefined();
    expect(await h.state.get(RollbackKeys.chain('web'))).toBeUndefined();
  });

  it('refuses to release a pin onto a latest revision that is failing', async () => {
    h.run.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 },
    ]);
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 300);
    const envelope = await h.invoke(manual('m5', { action: 'release-pin', service: 'web', reason: 'try again' }));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/web-00003-ccc is failing/);
    expect(h.run.server.find('PATCH', PATCH_PATH)).toHaveLength(0);
  });

  /** Pins web to web-00002-bbb after an incident, marking web-00003-ccc bad; web-00004-ddd then deploys. */
  async function pinnedWithFix(ready = true) {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    await h.invoke(alertTrigger('inc-p2'));
    h.run.addRevision(SERVICE, { name: 'web-00004-ddd', createTime: minutesAgo(1).toISOString(), ready });
  }
  const pinnedTo = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 }];

  it('refuses, changing nothing, when another revision was deployed after it judged the latest', async () => {
    await pinnedWithFix();
    // The deploy lands while release-pin reads web-00004-ddd's error rate.
    h.monitoring.server.listeners.push(() => {
      if (!h.run.traffic(SERVICE)[0]?.revision) return;
      h.run.addRevision(SERVICE, { name: 'web-00005-eee', createTime: new Date().toISOString() });
      h.monitoring.server.listeners.length = 0;
    });
    const envelope = await h.invoke(manual('m6', { action: 'release-pin', service: 'web', reason: 'fixed' }));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(
      /latest revision is web-00005-eee, not the judged web-00004-ddd: a deploy landed since; run release-pin again/,
    );
    expect(envelope.actions).toMatchObject([{ action: 'release-pin', status: 'unchanged' }]);
    expect(h.run.traffic(SERVICE)).toEqual(pinnedTo);
    expect(await h.state.get(RollbackKeys.pin('web'))).toBeDefined();
  });

  it('fails the run, warns and drops the pin records when a deploy became the latest during the release', async () => {
    await pinnedWithFix(false);
    h.run.addRevision(SERVICE, { name: 'web-00005-eee', createTime: new Date().toISOString(), ready: false });
    // web-00004-ddd is ready now; web-00005-eee, deployed before the release read the service, turns Ready
    // while the traffic write is in flight: no generation changes, traffic LATEST now means web-00005-eee.
    h.run.setReady(SERVICE, 'web-00004-ddd', true);
    h.run.server.listeners.push((r) => {
      if (r.method === 'PATCH') h.run.setReady(SERVICE, 'web-00005-eee', true);
    });
    const envelope = await h.invoke(manual('m7', { action: 'release-pin', service: 'web', reason: 'fixed' }));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(
      /released the pin of web, but traffic follows web-00005-eee, which a deploy made the latest during the release; it was not judged, web-00004-ddd was/,
    );
    expect(envelope.actions).toMatchObject([{ action: 'release-pin', status: 'done' }]);
    expect(h.sent.map((m) => m.title)).toContain('rollback web: pin released onto web-00005-eee, which was not judged');
    expect(h.run.traffic(SERVICE)).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    expect(await h.state.get(RollbackKeys.pin('web'))).toBeUndefined();
    expect(await h.state.get(RollbackKeys.chain('web'))).toBeUndefined();
  });
});
