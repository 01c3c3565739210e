import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RollbackKeys } from '../../../functions/rollback/state-keys.js';
import { GuardKeys } from '../../../shared/core/guard/index.js';
import { manualTrigger } from '../../../shared/testing/index.js';
import { alertTrigger, cloudRunHarness, minutesAgo, PATCH_PATH, SERVICE } from './harness.js';
import { runRollbackSuite } from './suite.js';

type Harness = Awaited<ReturnType<typeof cloudRunHarness>>;

/** web-00003-ccc, deployed a minute ago, fails a fifth of its requests; web-00002-bbb served fine before it. */
function failingDeploy(h: Harness): void {
  h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
  h.monitoring.traffic('web', 'web-00002-bbb', minutesAgo(15), 1000, 1);
}

runRollbackSuite('Cloud Run', async () => {
  const h = await cloudRunHarness();
  failingDeploy(h);
  h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 0);
  const patches = () => h.run.server.find('PATCH', PATCH_PATH);
  return {
    estate: h.config,
    state: h.state,
    service: 'web',
    bad: 'web-00003-ccc',
    good: 'web-00002-bbb',
    alert: (id) => alertTrigger(`inc-${id}`),
    invoke: h.invoke,
    sent: h.sent,
    audits: h.audits,
    pins: true,
    unchanged: async () => expect(patches()).toHaveLength(0),
    async rolledBack(_envelope, sent) {
      expect(patches()).toHaveLength(1);
      expect(patches()[0]?.body).toMatchObject({
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 }],
      });
      // The settle time, then the 180 s Cloud Monitoring may take to show the last of it.
      expect(h.settles).toEqual([360_000]);
      expect(sent.map((m) => m.severity)).toEqual(['warning', 'info']);
    },
    close: h.stop,
  };
});

describe('rollback on Cloud Run, reading Cloud Monitoring as it shows data: up to 180 s after the fact', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await cloudRunHarness({}, { ingestionDelayMs: 180_000 });
    // The deploy's errors are old enough to show; what the alert fired on.
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(4), 1000, 200);
    h.monitoring.traffic('web', 'web-00002-bbb', minutesAgo(15), 1000, 1);
  });
  afterEach(() => h.stop());

  it('judges recovery on the settle window once the API shows it, not on the minutes it does not show yet', async () => {
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 0);
    const envelope = await h.invoke(alertTrigger('late-1'));
    expect(envelope.summary).toMatch(/rolled web back web-00003-ccc → web-00002-bbb; recovered/);
    // The settle time, then the 180 s the API may take to show its last minute.
    expect(h.settles).toEqual([360_000]);
  });

  it('escalates when the settle window, once shown, still fails', async () => {
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 100);
    const envelope = await h.invoke(alertTrigger('late-2'));
    expect(envelope.summary).toMatch(/still failing: escalated/);
  });
});

describe('rollback on Cloud Run', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await cloudRunHarness();
  });
  afterEach(() => h.stop());

  const patches = () => h.run.server.find('PATCH', PATCH_PATH);

  it('escalates when the error rate stays high after the settle time, without a second rollback', async () => {
    failingDeploy(h);
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 100);
    const envelope = await h.invoke(alertTrigger('inc-2'));
    expect(envelope.outcome).toBe('warn');
    expect(envelope.summary).toMatch(/still failing: escalated/);
    expect(h.sent.at(-1)?.severity).toBe('critical');
    const again = await h.invoke(alertTrigger('inc-3'));
    expect(again.summary).toMatch(/paged, no rollback \(chain\)/);
    expect(patches()).toHaveLength(1);
    expect(h.sent.at(-1)?.text).toContain('Traffic is pinned to web-00002-bbb');
    expect(h.sent.at(-1)?.text).toContain('opsfn release-pin web');
  });

  it('rolls back a failing canary named by the alert to the revision serving the rest', async () => {
    h.run.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 90 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00003-ccc', percent: 10 },
    ]);
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 500, 100);
    h.monitoring.traffic('web', 'web-00002-bbb', minutesAgo(1), 5000, 1);
    const trigger = alertTrigger('inc-canary');
    trigger.alert.labels.revision_name = 'web-00003-ccc';
    const envelope = await h.invoke(trigger);
    expect(envelope.summary).toMatch(/^rolled web back web-00003-ccc → web-00002-bbb/);
    expect(h.run.traffic(SERVICE)).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 },
    ]);
  });

  it('fails and pages when a canary rollback PATCH is refused, though the target already takes the most traffic', async () => {
    h.run.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 90 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00003-ccc', percent: 10 },
    ]);
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 500, 100);
    h.monitoring.traffic('web', 'web-00002-bbb', minutesAgo(1), 5000, 1);
    h.run.server.failNext('PATCH', PATCH_PATH, {
      status: 403,
      body: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'Permission run.services.update denied' } },
    });
    const trigger = alertTrigger('inc-canary-refused');
    trigger.alert.labels.revision_name = 'web-00003-ccc';
    const envelope = await h.invoke(trigger);
    expect(envelope.outcome).toBe('fail');
    expect(h.run.traffic(SERVICE)).toContainEqual(expect.objectContaining({ revision: 'web-00003-ccc', percent: 10 }));
    expect(h.sent.map((m) => m.severity)).toEqual(['critical']);
    // Marked before the move was tried: no later alert decides again on the service left in between.
    expect(await h.state.get(RollbackKeys.bad('web'))).toEqual(['web-00003-ccc']);
    expect(await h.state.get(RollbackKeys.chain('web'))).toMatchObject({ from: 'web-00003-ccc', to: 'web-00002-bbb' });
  });

  it('skips an earlier revision that never served and rolls back to the one serving before the deploy', async () => {
    // web-00002-bbb was deployed without traffic: only web-00001-aaa served until web-00003-ccc took over.
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    h.monitoring.traffic('web', 'web-00001-aaa', minutesAgo(12), 1000, 1);
    const envelope = await h.invoke(alertTrigger('inc-unproven'));
    expect(envelope.summary).toMatch(/^rolled web back web-00003-ccc → web-00001-aaa/);
    expect(patches()[0]?.body).toMatchObject({ traffic: [{ revision: 'web-00001-aaa', percent: 100 }] });
    expect(JSON.stringify(envelope.items)).toContain('skipped web-00002-bbb: no requests before the deploy');
  });

  it('passes over a revision that never served on a manual rollback too, when no revision is named', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    h.monitoring.traffic('web', 'web-00001-aaa', minutesAgo(12), 1000, 1);
    const envelope = await h.invoke(manualTrigger({ service: 'web', reason: 'errors after the deploy' }));
    expect(envelope.summary).toMatch(/web-00003-ccc → web-00001-aaa/);
    expect(patches()[0]?.body).toMatchObject({ traffic: [{ revision: 'web-00001-aaa', percent: 100 }] });
  });

  it('takes no action when the error rate is already below the threshold', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 2);
    const envelope = await h.invoke(alertTrigger('inc-4'));
    expect(envelope.outcome).toBe('ok');
    expect(envelope.items).toMatchObject([{ verdict: 'recovered' }]);
    expect(patches()).toHaveLength(0);
  });

  it('holds and pages when metrics have no data', async () => {
    const envelope = await h.invoke(alertTrigger('inc-5'));
    expect(envelope.outcome).toBe('warn');
    expect(envelope.items).toMatchObject([{ verdict: 'inconclusive' }]);
    expect(h.sent).toMatchObject([{ severity: 'critical', title: expect.stringMatching(/unconfirmed, holding/) }]);
    expect(patches()).toHaveLength(0);
  });

  it('holds and pages when the metrics API fails, after bounded retries', async () => {
    h.monitoring.server.failNext('GET', /timeSeries/, { status: 503, body: {} }, 100);
    const envelope = await h.invoke(alertTrigger('inc-6'));
    expect(envelope.items).toMatchObject([{ verdict: 'inconclusive' }]);
    expect(JSON.stringify(envelope.items)).toMatch(/HTTP 503/);
    expect(h.monitoring.server.requests.length).toBeLessThanOrEqual(4);
    expect(patches()).toHaveLength(0);
  });

  it('pages without acting when the serving revision is an old deploy', async () => {
    await h.stop();
    h = await cloudRunHarness({
      rollback: {
        policies: [{ match: { alert: 'web 5xx rate' }, errorRate: { threshold: '1%' }, recentDeploy: '5m' }],
      },
    });
    failingDeploy(h);
    const envelope = await h.invoke(alertTrigger('inc-7'));
    expect(envelope.items).toMatchObject([{ verdict: 'not-the-deploy' }]);
    expect(h.sent[0]?.text).toMatch(/outside recentDeploy: the problem is not the last deploy/);
    expect(patches()).toHaveLength(0);
  });

  it('does one rollback for 100 simultaneous deliveries of the same alert', async () => {
    failingDeploy(h);
    const envelopes = await Promise.all(Array.from({ length: 100 }, () => h.invoke(alertTrigger('inc-9'))));
    expect(patches()).toHaveLength(1);
    expect(envelopes.filter((e) => e.duplicate === true)).toHaveLength(99);
  });

  it('does one rollback for two different alerts about the same service at once', async () => {
    failingDeploy(h);
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 0);
    const [a, b] = await Promise.all([h.invoke(alertTrigger('inc-10')), h.invoke(alertTrigger('inc-11'))]);
    expect(patches()).toHaveLength(1);
    expect([a?.outcome, b?.outcome].sort()).toEqual(['ok', 'skipped']);
  });

  it('fails with nothing changed when Cloud Run keeps answering 5xx', async () => {
    failingDeploy(h);
    h.run.server.failNext('GET', /\/services\/web/, { status: 500, body: { error: { code: 500 } } }, 100);
    const firing = alertTrigger('inc-12');
    const envelope = await h.invoke(firing);
    expect(envelope.outcome).toBe('fail');
    expect(envelope.error).toMatchObject({ kind: 'dependency', retryable: true });
    expect(h.run.server.find('GET', PATCH_PATH).length).toBeLessThanOrEqual(3);
    expect(patches()).toHaveLength(0);
    expect(h.run.traffic(SERVICE)).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    expect(h.sent).toMatchObject([{ severity: 'critical', title: 'rollback web: platform unreachable' }]);
    // The alert's resolve closes that page: it carries the page's key.
    const resolved = alertTrigger('inc-12', 'resolved');
    resolved.alert.startedAt = firing.alert.startedAt;
    await h.invoke(resolved);
    const [page, resolve] = h.sent;
    expect(resolve).toMatchObject({ resolve: true, dedupKey: page?.dedupKey });
  });

  it('fails without a pin when the traffic PATCH fails, is not retried, pages, and no second rollback follows', async () => {
    failingDeploy(h);
    h.run.server.failNext('PATCH', PATCH_PATH, { status: 503, body: { error: { code: 503 } } });
    const envelope = await h.invoke(alertTrigger('inc-13'));
    expect(envelope.outcome).toBe('fail');
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'failed' }]);
    expect(patches()).toHaveLength(1);
    expect(await h.state.get(RollbackKeys.bad('web'))).toEqual(['web-00003-ccc']);
    expect(await h.state.get(RollbackKeys.pin('web'))).toBeUndefined();
    expect(h.sent).toMatchObject([
      {
        severity: 'critical',
        title: 'rollback web: rollback web-00003-ccc → web-00002-bbb failed',
        text: expect.stringMatching(
          /HTTP 503[\s\S]*chain mark keeps any further automatic rollback[\s\S]*error ratio 20\.00%/,
        ),
      },
    ]);
    // Another alert of the same incident (another series of the rule) pages instead of trying again.
    const again = await h.invoke(alertTrigger('inc-13-b'));
    expect(again.summary).toBe('web: paged, no rollback (chain)');
    expect(patches()).toHaveLength(1);
  });

  it('counts a PATCH whose answer was lost as the rollback it was: marks recorded, verified, never done twice', async () => {
    failingDeploy(h);
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 0);
    const platform = h.deps.platform;
    h.deps.platform = async (ref, ctx) => {
      const real = await platform(ref, ctx);
      return Object.assign(Object.create(real) as typeof real, {
        routeAll: async (revision: string, options: object) => {
          await real.routeAll(revision, options);
          throw new Error('PATCH services/web: socket hang up');
        },
      });
    };
    const envelope = await h.invoke(alertTrigger('inc-lost'));
    expect(envelope.outcome).toBe('ok');
    expect(envelope.summary).toMatch(/rolled web back .*; recovered/);
    expect(envelope.actions).toMatchObject([{ action: 'rollback', status: 'done' }]);
    expect(envelope.items?.[0]).toMatchObject({ platformError: 'PATCH services/web: socket hang up' });
    expect(await h.state.get(RollbackKeys.bad('web'))).toEqual(['web-00003-ccc']);
    expect(await h.state.get(RollbackKeys.pin('web'))).toMatchObject({ revision: 'web-00002-bbb' });
    const again = await h.invoke(alertTrigger('inc-lost-2'));
    expect(again.outcome).not.toBe('fail');
    expect(patches()).toHaveLength(1);
  });

  it('records and notifies a resolved alert without acting', async () => {
    const envelope = await h.invoke(alertTrigger('inc-14', 'resolved'));
    expect(envelope.summary).toMatch(/resolved for web: recorded, no action/);
    expect(h.sent).toMatchObject([{ severity: 'info', resolve: true }]);
    expect(h.run.server.requests).toHaveLength(0);
  });
});

/** Someone moves all traffic to web-00001-aaa just before the rollback's write: the bad revision no longer serves. */
function racedToOldest(h: Harness): void {
  const platform = h.deps.platform;
  h.deps.platform = async (ref, ctx) => {
    const real = await platform(ref, ctx);
    return Object.assign(Object.create(real) as typeof real, {
      routeAll: (revision: string, options: object) => {
        h.run.setTraffic(SERVICE, [
          { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-aaa', percent: 100 },
        ]);
        return real.routeAll(revision, options);
      },
    });
  };
}

describe('rollback racing another change', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await cloudRunHarness();
  });
  afterEach(() => h.stop());

  it('leaves traffic alone when someone moved it between the decision and the write', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    racedToOldest(h);
    const envelope = await h.invoke(alertTrigger('inc-race'));
    expect(envelope.outcome).toBe('skipped');
    expect(envelope.summary).toMatch(/expected web-00003-ccc to serve, found web-00001-aaa/);
    expect(h.run.server.find('PATCH', PATCH_PATH)).toHaveLength(0);
    // The revision was judged bad all the same; no rollback was tried, so no chain mark holds the next one off.
    expect(await h.state.get(RollbackKeys.bad('web'))).toEqual(['web-00003-ccc']);
    expect(await h.state.get(RollbackKeys.chain('web'))).toBeUndefined();
    // Nothing changed, so nothing is audited done and no cooldown starts: the next confirmed rollback may act.
    expect(envelope.actions.map((a) => [a.action, a.status])).toEqual([['rollback', 'unchanged']]);
    expect(await h.state.cooldownLeft('cooldown:rollback:web')).toBe(0);
  });

  it("pages when another function's run holds the service lock (autoscale scaling it), not dropping the rollback", async () => {
    failingDeploy(h);
    // autoscale's scale-up of web holds lock:web, as its ctx.act('scale-up', 'web', …) does.
    expect(await h.state.lock(GuardKeys.lock('web'), 120_000)).toBeTruthy();
    const envelope = await h.invoke(alertTrigger('inc-lock'));
    expect(envelope.outcome).toBe('skipped');
    expect(h.run.server.find('PATCH', PATCH_PATH)).toHaveLength(0);
    expect(h.sent).toMatchObject([
      {
        severity: 'critical',
        title: 'rollback web: rollback web-00003-ccc → web-00002-bbb blocked',
        text: expect.stringMatching(/held by a run that is not a rollback of it/),
      },
    ]);
  });

  it('stays quiet when the lock is held by a rollback under way: that run owns the incident', async () => {
    failingDeploy(h);
    expect(await h.state.lock(GuardKeys.lock('web'), 120_000)).toBeTruthy();
    const first = RollbackKeys.active('web', 'run-of-inc-first');
    await h.state.put(first, { incident: 'inc-first', at: new Date().toISOString() }, 120_000);
    const envelope = await h.invoke(alertTrigger('inc-second'));
    expect(envelope.outcome).toBe('skipped');
    expect(h.sent).toEqual([]);
  });

  it('gives the chain mark it replaced back when the move was never tried', async () => {
    h.monitoring.traffic('web', 'web-00003-ccc', minutesAgo(1), 1000, 200);
    // An earlier chain (an automatic rollback an hour ago) still holds.
    const earlier = { at: minutesAgo(60).toISOString(), from: 'web-00001-aaa', to: 'web-00000-zzz', incident: 'old' };
    await h.state.put(RollbackKeys.chain('web'), earlier, 2 * 3_600_000);
    racedToOldest(h);
    const envelope = await h.invoke(alertTrigger('inc-race-chain'));
    expect(envelope.outcome).toBe('skipped');
    expect(await h.state.get(RollbackKeys.chain('web'))).toEqual(earlier);
  });

  it('says no marks were recorded when the state store failed before the move that then failed', async () => {
    failingDeploy(h);
    h.run.server.failNext('PATCH', PATCH_PATH, { status: 503, body: { error: { code: 503 } } });
    const get = h.state.get.bind(h.state);
    h.state.get = (async (key: string) => {
      if (key === RollbackKeys.bad('web')) throw new Error('state store timed out');
      return get(key);
    }) as typeof h.state.get;
    const envelope = await h.invoke(alertTrigger('inc-unmarked'));
    expect(envelope.outcome).toBe('fail');
    expect(h.sent).toMatchObject([
      { severity: 'critical', text: expect.stringMatching(/No bad mark or chain mark was recorded/) },
    ]);
  });

  it('pages when another traffic change lands between the read and the PATCH, instead of reporting a rollback', async () => {
    failingDeploy(h);
    h.hooks.onSettle = () => h.duringSettle('web-00002-bbb', 500, 0);
    let raced = false;
    h.run.server.listeners.push((request) => {
      if (raced || request.method !== 'PATCH' || !PATCH_PATH.test(request.path)) return;
      raced = true;
      // An operator's `gcloud run services update-traffic --to-revisions=web-00001-aaa=100`, a moment earlier.
      h.run.setTraffic(SERVICE, [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-aaa', percent: 100 },
      ]);
    });
    const envelope = await h.invoke(alertTrigger('inc-concurrent'));
    expect(envelope.outcome).not.toBe('ok');
    expect(h.sent).toMatchObject([
      {
        severity: 'critical',
        text: expect.stringMatching(/another change to .*web landed around this one \(generation 1 → 3\)/),
      },
    ]);
    // Whatever serves now is someone's doing: the marks keep an automatic rollback off it until people look.
    expect(await h.state.get(RollbackKeys.bad('web'))).toEqual(['web-00003-ccc']);
    expect(await h.state.get(RollbackKeys.chain('web'))).toMatchObject({ from: 'web-00003-ccc' });
  });
});
