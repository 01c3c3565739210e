import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { alertTrigger } from '../../../shared/testing/index.js';
import { googleError } from '../../fakes/recording-server.js';
import { alert, autoscaleHarness, MINUTE, RUN_PATCH, SERVICE, sweep } from './harness.js';
import { runAutoscaleSuite } from './suite.js';

type Harness = Awaited<ReturnType<typeof autoscaleHarness>>;

runAutoscaleSuite('Cloud Run', async () => {
  const h = await autoscaleHarness();
  return {
    state: h.state,
    service: 'web',
    alert: (fingerprint, state) => alert('WebLatency', fingerprint, state),
    invoke: h.invoke,
    advance: h.advance,
    level: async () => h.webScaling()?.minInstanceCount,
    from: 2,
    to: 3,
    downAfter: 30 * MINUTE,
    manual: {
      payload: { service: 'web', min: 4, reason: 'sale at noon' },
      summary: 'web: minInstanceCount (service) 2 → 4 (sale at noon)',
      level: 4,
    },
    refused: { payload: { service: 'web', replicas: 3, reason: 'x' }, message: /runs on Cloud Run/ },
    unchanged: async () => expect(h.runPatches()).toHaveLength(0),
    close: h.stop,
  };
});

describe('autoscale on Cloud Run', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await autoscaleHarness();
  });
  afterEach(() => h.stop());

  const fire = (fingerprint = 'f1') => h.invoke(alert('WebLatency', fingerprint));
  const resolve = (fingerprint = 'f1') => h.invoke(alert('WebLatency', fingerprint, 'resolved'));

  it('steps min instances up by one step and records the baseline', async () => {
    const envelope = await fire();
    expect(envelope.outcome).toBe('ok');
    expect(envelope.summary).toBe('web: up 2 → 3');
    expect(h.runPatches()).toHaveLength(1);
    const patch = h.runPatches()[0];
    expect(patch?.query.get('updateMask')).toBe('scaling.minInstanceCount');
    expect(patch?.body).toMatchObject({ scaling: { minInstanceCount: 3 } });
    expect(h.webScaling()).toEqual({ minInstanceCount: 3, maxInstanceCount: 20 });
    expect(envelope.actions).toEqual([
      expect.objectContaining({
        action: 'scale-up',
        target: 'web',
        status: 'done',
        change: expect.objectContaining({ before: 2, after: 3 }),
      }),
    ]);
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toMatchObject({
      baseline: 2,
      applied: 3,
      knob: 'cloud-run:service:min',
    });
    const intent = h.audits().find((a) => a.decision === 'intent');
    expect(intent?.evidence).toMatchObject({ alerts: ['alertmanager:WebLatency:f1'], before: 2, after: 3 });
  });

  it('caps the step at up.max and then holds there', async () => {
    const s = h.webScaling();
    if (s) s.minInstanceCount = 5;
    expect((await fire('a')).summary).toBe('web: up 5 → 6');
    h.advance(11 * MINUTE);
    const again = await fire('b');
    expect(again.summary).toBe('web: hold — minInstanceCount (service) is 6, already at up.max 6');
    expect(h.runPatches()).toHaveLength(1);
    expect(h.webScaling()?.minInstanceCount).toBe(6);
  });

  it('turns a storm of 50 concurrent alerts on one service into one step', async () => {
    const envelopes = await Promise.all(Array.from({ length: 50 }, (_, i) => fire(`storm-${i}`)));
    expect(h.runPatches()).toHaveLength(1);
    expect(h.webScaling()?.minInstanceCount).toBe(3);
    expect(envelopes.filter((e) => e.actions.some((a) => a.status === 'done'))).toHaveLength(1);
    for (const e of envelopes) expect(['ok', 'skipped', 'fail']).toContain(e.outcome);
    const later = await Promise.all(Array.from({ length: 5 }, (_, i) => fire(`late-${i}`)));
    expect(later.map((e) => e.summary)).toEqual(
      Array(5).fill('web: hold — cooling down for 10m after the last step up'),
    );
    expect(h.runPatches()).toHaveLength(1);
    expect(await h.state.keys(AutoscaleKeys.firingPrefix('web'))).toHaveLength(55);
  });

  it('holds during the cooldown and steps again after it', async () => {
    await fire('a');
    h.advance(5 * MINUTE);
    expect((await fire('b')).summary).toMatch(/cooling down for 5m/);
    h.advance(6 * MINUTE);
    expect((await fire('c')).summary).toBe('web: up 3 → 5');
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toMatchObject({ baseline: 2, applied: 5 });
  });

  it('scales back to the baseline only after down.after with no firing alert', async () => {
    await fire('a');
    await fire('b');
    h.advance(MINUTE);
    expect((await resolve('a')).summary).toBe('web: hold — 1 alert still firing');
    expect((await resolve('b')).summary).toMatch(/^web: hold — no firing alert; scale-down due at 2026-03-01T10:31:00/);
    h.advance(20 * MINUTE);
    expect((await h.invoke(sweep())).summary).toMatch(/hold — no firing alert/);
    h.advance(11 * MINUTE);
    const envelope = await h.invoke(sweep());
    expect(envelope.summary).toBe('web: down 3 → 2');
    expect(envelope.actions).toMatchObject([{ action: 'scale-down', status: 'done', change: { before: 3, after: 2 } }]);
    expect(h.webScaling()?.minInstanceCount).toBe(2);
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toBeUndefined();
    expect((await h.invoke(sweep())).summary).toBe('no active scale-up');
  });

  it('keeps the service up when a late resolve of an earlier firing of the same alert arrives after it fired again', async () => {
    // It fired at 09:00, resolved at 09:50, fired again at 10:00 (same labels: same fingerprint); the resolve of
    // the 09:00 firing reaches autoscale last (an HA Alertmanager pair, two deliveries at once).
    expect((await fire('again')).summary).toBe('web: up 2 → 3');
    const late = alertTrigger('WebLatency', {
      state: 'resolved',
      fingerprint: 'again',
      startedAt: '2026-03-01T09:00:00.000Z',
    });
    await h.invoke(late);
    h.advance(31 * MINUTE);
    expect((await h.invoke(sweep())).summary).toBe('web: hold — 1 alert still firing');
    expect(h.webScaling()?.minInstanceCount).toBe(3);
  });

  it('scales down on the sweep when the resolve was lost', async () => {
    await fire('lost');
    h.advance(3 * 3_600_000);
    expect((await h.invoke(sweep())).summary).toBe('web: hold — 1 alert still firing');
    h.advance(3 * 3_600_000 + MINUTE);
    expect((await h.invoke(sweep())).summary).toBe('web: down 3 → 2');
    expect(h.webScaling()?.minInstanceCount).toBe(2);
  });

  it('re-applies min instances that a deploy reset, and records it', async () => {
    await fire();
    const s = h.webScaling();
    if (s) s.minInstanceCount = 2;
    h.advance(5 * MINUTE);
    const envelope = await h.invoke(sweep());
    expect(envelope.summary).toBe('web: reapply 2 → 3');
    expect(envelope.actions).toMatchObject([{ action: 'reapply', status: 'done', change: { before: 2, after: 3 } }]);
    expect(h.webScaling()?.minInstanceCount).toBe(3);
    expect(h.audits().filter((a) => a.decision === 'done' && a.action === 'reapply')).toHaveLength(1);
  });

  it('takes a firing delivered after its own resolve for the late delivery it is: no step up, no mark', async () => {
    await fire();
    await resolve();
    h.advance(30 * 60_000);
    // The firing's push was retried after a 503 and arrives after the resolve of the same episode (same startsAt).
    const late = await fire();
    expect(late.outcome).toBe('skipped');
    expect(late.summary).toMatch(/^web: WebLatency firing since 2026-03-01T10:00:00\.000Z arrived after its resolve/);
    expect(h.runPatches()).toHaveLength(1);
    expect(await h.state.keys(AutoscaleKeys.firingPrefix('web'))).toEqual([]);
    // A new episode of the same alert (a later startsAt) is news again.
    const again = await h.invoke(alert('WebLatency', 'f1', 'firing', {}, '2026-03-01T10:40:00.000Z'));
    expect(again.summary).toMatch(/^web: up /);
  });

  it('leaves a service scaled by hand alone, records and notifies it', async () => {
    await fire();
    const s = h.webScaling();
    if (s) s.minInstanceCount = 8;
    const envelope = await h.invoke(sweep());
    expect(envelope.outcome).toBe('warn');
    expect(envelope.summary).toBe('web: manual');
    expect(h.runPatches()).toHaveLength(1);
    expect(h.notifier.sent.map((m) => [m.severity, m.title])).toEqual([
      ['info', 'autoscale: web up 2 → 3'],
      ['warning', 'autoscale: web was scaled by hand, left alone'],
    ]);
    expect(await h.state.get(AutoscaleKeys.manual('web'))).toMatchObject({ observed: 8, expected: 3 });
    h.advance(3_600_000);
    expect((await h.invoke(sweep())).summary).toBe('no active scale-up');
    expect(h.webScaling()?.minInstanceCount).toBe(8);
    // The next alert leaves it to the person too, rather than stepping up from what they set.
    expect((await fire('f2')).summary).toMatch(/^web: hold — minInstanceCount \(service\) was set to 8 by hand/);
    expect(h.webScaling()?.minInstanceCount).toBe(8);
  });

  it('applies nothing and keeps no record when the PATCH fails', async () => {
    h.run.server.failNext('PATCH', RUN_PATCH, googleError(500, 'INTERNAL', 'backend error'));
    const envelope = await fire('a');
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/HTTP 500/);
    expect(envelope.actions).toMatchObject([{ action: 'scale-up', status: 'failed' }]);
    expect(h.notifier.sent).toMatchObject([{ severity: 'warning', title: 'autoscale could not scale-up web' }]);
    expect(h.webScaling()?.minInstanceCount).toBe(2);
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toBeUndefined();
    expect((await fire('b')).summary).toBe('web: up 2 → 3');
  });

  it('never writes when reading the service fails', async () => {
    h.run.server.failNext('GET', RUN_PATCH, googleError(503, 'UNAVAILABLE', 'try later'), 10);
    const envelope = await fire();
    expect(envelope.outcome).toBe('fail');
    expect(h.runPatches()).toHaveLength(0);
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toBeUndefined();
  });

  it('sets min instances on a manual request and hands the service to the person', async () => {
    await fire();
    const trigger = { kind: 'manual' as const, id: 'm1', payload: { service: 'web', min: 4, reason: 'sale at noon' } };
    const envelope = await h.invoke(trigger);
    expect(envelope.summary).toBe('web: minInstanceCount (service) 3 → 4 (sale at noon)');
    expect(envelope.actions).toMatchObject([{ action: 'scale-set', status: 'done' }]);
    expect(h.webScaling()?.minInstanceCount).toBe(4);
    expect(await h.state.get(AutoscaleKeys.scale('web'))).toBeUndefined();
    // An alert after the cooldown steps nothing up while the value is the person's, for manualHold (6h).
    h.advance(30 * 60_000);
    const held = await fire('f2');
    expect(held.summary).toMatch(/^web: hold — minInstanceCount \(service\) was set to 4 by hand .*manualHold/);
    expect(h.webScaling()?.minInstanceCount).toBe(4);
    // Past manualHold, or once the value is no longer the one set by hand, alerts step it up again.
    h.advance(6 * 3_600_000);
    expect((await fire('f3')).summary).toBe('web: up 4 → 6');
  });

  it('leaves a value set by hand to the person only while it stays so', async () => {
    await h.invoke({
      kind: 'manual',
      id: 'm2',
      payload: { service: 'web', min: 0, reason: 'stop duplicate consumers' },
    });
    expect(h.webScaling()?.minInstanceCount).toBe(0);
    expect((await fire('g1')).summary).toMatch(/^web: hold — .*set to 0 by hand/);
    // Someone changed it again outside opsfn: the hand-over was for 0, not for this.
    const service = h.run.scaling(SERVICE);
    if (service) service.scaling.minInstanceCount = 1;
    expect((await fire('g2')).summary).toBe('web: up 1 → 2');
  });

  it.each([
    [{ service: 'web', min: 9, reason: 'x' }, /above up\.max 6/],
    [{ service: 'web', replicas: 3, reason: 'x' }, /runs on Cloud Run/],
    [{ service: 'nope', min: 3, reason: 'x' }, /unknown service "nope"/],
    [{ service: 'web', min: 3, max: 4, reason: 'x' }, /exactly one of/],
    [{ service: 'web', min: 3 }, /reason/],
  ])('rejects a bad manual request (%#)', async (payload, message) => {
    const envelope = await h.invoke({ kind: 'manual', id: `bad-${JSON.stringify(payload)}`, payload });
    expect(envelope.outcome).toBe('rejected');
    expect(envelope.summary).toMatch(message);
    expect(h.runPatches()).toHaveLength(0);
  });

  it('steps max instances when the policy names the max knob', async () => {
    const policies = [
      { match: { alert: 'WebLatency' }, service: 'web', knob: 'max' as const, up: { step: '+5', max: 30 } },
    ];
    const other = await autoscaleHarness({ overrides: { autoscale: { policies } } });
    try {
      const envelope = await other.invoke(alert('WebLatency', 'mx'));
      expect(envelope.summary).toBe('web: up 20 → 25');
      expect(other.runPatches()[0]?.query.get('updateMask')).toBe('scaling.maxInstanceCount');
      expect(other.webScaling()).toEqual({ minInstanceCount: 2, maxInstanceCount: 25 });
    } finally {
      await other.stop();
    }
  });

  it('sweeps every service on its own: one it cannot handle does not stop the others', async () => {
    await fire();
    await resolve();
    const ghost = {
      service: 'ghost',
      knob: 'kubernetes:replicas',
      baseline: 1,
      applied: 2,
      appliedAt: '2026-03-01T09:00:00.000Z',
      policy: 'gone',
      alerts: [],
    };
    await h.state.put(AutoscaleKeys.scale('ghost'), ghost);
    h.advance(31 * MINUTE);
    const envelope = await h.invoke(sweep());
    expect(envelope.outcome).toBe('warn');
    expect(envelope.items).toMatchObject([
      {
        service: 'ghost',
        decision: 'release',
        status: 'noted',
        reasons: [
          expect.stringMatching(
            /^no estate service for ghost any more: autoscale stops managing it\. It may still be scaled up to 2/,
          ),
        ],
      },
      { service: 'web', decision: 'down', status: 'done', from: 3, to: 2 },
    ]);
    expect(h.webScaling()?.minInstanceCount).toBe(2);
    expect(await h.state.get(AutoscaleKeys.scale('ghost'))).toBeUndefined();
    expect(h.notifier.sent.filter((m) => m.title === 'autoscale released ghost')).toHaveLength(1);
  });

  it('skips alerts no policy matches', async () => {
    const envelope = await h.invoke(alert('DiskFull', 'd'));
    expect(envelope.outcome).toBe('skipped');
    expect(h.run.server.requests).toHaveLength(0);
  });
});
