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
});
