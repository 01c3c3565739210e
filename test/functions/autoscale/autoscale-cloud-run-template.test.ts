import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { alert, autoscaleHarness, SERVICE } from './harness.js';

type Harness = Awaited<ReturnType<typeof autoscaleHarness>>;

describe('autoscale on Cloud Run at template level', () => {
  let h: Harness;
  const policy = {
    name: 'web-max',
    match: { alert: 'WebLatency' },
    service: 'web',
    level: 'template',
    knob: 'max',
  } as const;

  beforeEach(async () => {
    h = await autoscaleHarness({
      overrides: { autoscale: { policies: [{ ...policy, up: { step: '+5', max: 30 } }] } },
    });
  });
  afterEach(() => h.stop());

  it('says which revision the template change created and how much traffic it serves', async () => {
    const envelope = await h.invoke(alert('WebLatency', 't1'));
    expect(envelope.summary).toBe('web: up 10 → 15');
    expect(h.runPatches()[0]?.query.get('updateMask')).toBe('template.scaling.maxInstanceCount,template.revision');
    expect(envelope.items).toMatchObject([
      {
        status: 'done',
        reasons: expect.arrayContaining(['the change created revision web-00002-n2x, which serves 100 % of traffic']),
      },
    ]);
  });

  it('fails and notifies when the revision the change created never gets Ready, keeping the record to scale down', async () => {
    // Cloud Run stores the template, then the operation ends in error: traffic stays on the old revision.
    h.run.failOperationWith = 'Revision web-00002-n2x is not ready and cannot serve traffic.';
    const envelope = await h.invoke(alert('WebLatency', 't3'));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.actions).toMatchObject([{ action: 'scale-up', status: 'failed' }]);
    expect(h.notifier.sent.at(-1)).toMatchObject({
      title: 'autoscale could not scale-up web',
      text: expect.stringMatching(
        /what it left is kept on record, so the scale-down returns to the baseline: .*not ready/,
      ),
    });
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toMatchObject({ baseline: 10, applied: 15 });
  });

  it('refuses while traffic is pinned to a revision, and changes nothing', async () => {
    h.run.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-aaa', percent: 100 },
    ]);
    const envelope = await h.invoke(alert('WebLatency', 't2'));
    expect(envelope.outcome).not.toBe('ok');
    expect(JSON.stringify(envelope)).toContain('a new revision would get 0 % of traffic; scale at level service');
    expect(h.runPatches()).toHaveLength(0);
    expect(h.run.scaling(SERVICE)?.template.scaling.maxInstanceCount).toBe(10);
  });
});
