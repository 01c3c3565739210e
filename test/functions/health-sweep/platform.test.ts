import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RESTARTED_AT_ANNOTATION } from '../../../shared/adapters/platforms/kubernetes-health.js';
import { FakeCloudRun } from '../../fakes/cloud-run.js';
import { FakeKubernetes } from '../../fakes/kubernetes.js';
import { healthHarness, httpServer, itemsOf, json } from './harness.js';

const RUN = 'projects/p1/locations/us-central1/services/web';
const ago = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const app = { up: true, dependencyDown: false };
let server: Awaited<ReturnType<typeof httpServer>>;
let run: FakeCloudRun;
let kube: FakeKubernetes;

beforeAll(async () => {
  server = await httpServer((_req, res) => {
    if (app.dependencyDown) return json(res, 503, { status: 'DOWN', components: { db: { status: 'DOWN' } } });
    json(res, app.up ? 200 : 503, { status: app.up ? 'UP' : 'DOWN', components: { db: { status: 'UP' } } });
  });
});
afterAll(() => server.stop());

beforeEach(async () => {
  app.up = true;
  app.dependencyDown = false;
  run = new FakeCloudRun();
  kube = new FakeKubernetes();
  kube.rolloutPolls = 0;
  await Promise.all([run.server.start(), kube.server.start()]);
  run.addService(RUN, [
    { name: 'web-00001-aaa', createTime: ago(600) },
    { name: 'web-00002-bbb', createTime: ago(60) },
  ]);
  kube.addDeployment('default', 'web', ['img:1', 'img:2'], [new Date(Date.now() - 3_600_000), new Date()], 2);
  return () => Promise.all([run.server.stop(), kube.server.stop()]);
});

function estate(checks: unknown[], extra: Record<string, unknown> = {}) {
  return {
    endpoints: { run: { url: run.server.url, credentials: 'none' as const }, kubernetes: { url: kube.server.url } },
    services: {
      run: { platform: 'cloud-run' as const, project: 'p1', region: 'us-central1', name: 'web' },
      kube: { platform: 'kubernetes' as const, namespace: 'default', deployment: 'web' },
    },
    health: { verifyInterval: '10s', checks },
    ...extra,
  };
}

const ready = (service: string, extra: Record<string, unknown> = {}) => ({
  name: `${service}-ready`,
  kind: 'http',
  service,
  url: `${server.url}/ready`,
  failAfter: 1,
  remediate: { action: 'restart', after: 2, cooldown: '30m', verifyWithin: '30s' },
  ...extra,
});

describe('healthSweep platform checks', () => {
  it('reads Cloud Run readiness and a failed deploy', async () => {
    const h = healthHarness(estate([{ name: 'run', kind: 'platform', service: 'run' }]));
    expect(itemsOf(await h.invoke()).run).toMatchObject({ status: 'ok', detail: `${RUN}: Ready` });
    run.addRevision(RUN, { name: 'web-00003-ccc', createTime: ago(1), ready: false });
    const failedDeploy = itemsOf(await h.invoke()).run;
    expect(failedDeploy?.status).toBe('warn');
    expect(failedDeploy?.detail).toMatch(
      /latest revision web-00003-ccc is not ready \(a failed deploy; web-00002-bbb serves\)/,
    );
    run.conditions.set(RUN, { state: 'CONDITION_FAILED', message: 'Revision web-00003-ccc failed health checks' });
    const down = itemsOf(await h.invoke()).run;
    expect(down?.status).toBe('fail');
    expect(down?.detail).toMatch(/not Ready: Revision web-00003-ccc failed health checks/);
  });

  it('reads Kubernetes replicas, pods in CrashLoopBackOff and restart growth between sweeps', async () => {
    kube.addPod('default', 'web', { name: 'web-a', restarts: 1 });
    kube.addPod('default', 'web', { name: 'web-b', restarts: 0 });
    const h = healthHarness(
      estate([{ name: 'kube', kind: 'platform', service: 'kube', restarts: { warn: 1, fail: 3 } }]),
    );
    expect(itemsOf(await h.invoke()).kube).toMatchObject({ status: 'ok', detail: 'default/web: 2/2 available' });
    const pod = kube.pods[1] as { status: { containerStatuses: { restartCount: number }[] } };
    (pod.status.containerStatuses[0] as { restartCount: number }).restartCount = 2;
    const grew = itemsOf(await h.invoke()).kube;
    expect(grew?.status).toBe('warn');
    expect(grew?.detail).toMatch(/2 container restart\(s\) since the previous sweep/);
    kube.addPod('default', 'web', { name: 'web-c', ready: false, waiting: 'CrashLoopBackOff' });
    const crashing = itemsOf(await h.invoke()).kube;
    expect(crashing?.status).toBe('fail');
    expect(crashing?.detail).toMatch(/CrashLoopBackOff: web-c/);
  });
});

describe('healthSweep platform checks of nothing running', () => {
  it('fails a compose service without any container: the project is down or its names match nothing', async () => {
    // A project no container carries: what `docker compose down`, or a misspelt project, leaves on a real engine.
    const compose = {
      platform: 'compose' as const,
      project: 'opsfn-hs-absent',
      service: 'app',
      files: ['/srv/absent/compose.yaml'],
    };
    const h = healthHarness({
      services: { app: compose },
      health: { checks: [{ name: 'app', kind: 'platform', service: 'app' }] },
    });
    for (let i = 0; i < 2; i++) {
      h.advance(5 * 60_000);
      const envelope = await h.invoke();
      expect(envelope.outcome).toBe('fail');
      expect(itemsOf(envelope).app).toMatchObject({
        status: 'fail',
        detail:
          'opsfn-hs-absent/app: no containers (the project is down, or no container has its project and service labels)',
      });
    }
    expect(h.sent.map((m) => m.title)).toEqual(['app down: app']);
  });

  it('warns about a Deployment scaled to 0 replicas, unless the check says that is expected', async () => {
    kube.addDeployment('default', 'idle', ['img:1'], [new Date()], 0);
    const services = { idle: { platform: 'kubernetes' as const, namespace: 'default', deployment: 'idle' } };
    const h = healthHarness(
      estate(
        [
          { name: 'idle', kind: 'platform', service: 'idle' },
          { name: 'idle-expected', kind: 'platform', service: 'idle', scaleToZero: true },
        ],
        { services },
      ),
    );
    const items = itemsOf(await h.invoke());
    expect(items.idle).toMatchObject({
      status: 'warn',
      detail: 'default/idle: 0/0 available; scaled to 0 replicas (set scaleToZero if that is expected)',
    });
    expect(items['idle-expected']).toMatchObject({
      status: 'ok',
      detail: 'default/idle: 0/0 available; scaled to zero',
    });
  });
});

describe('healthSweep platform paging', () => {
  it('pages container restarts past `restarts.fail` at once, though the next sweep counts none new', async () => {
    kube.addPod('default', 'web', { name: 'web-a', restarts: 0 });
    const h = healthHarness(
      estate([{ name: 'kube', kind: 'platform', service: 'kube', restarts: { warn: 1, fail: 3 } }]),
    );
    expect(itemsOf(await h.invoke()).kube).toMatchObject({ status: 'ok' });
    const pod = kube.pods[0] as { status: { containerStatuses: { restartCount: number }[] } };
    (pod.status.containerStatuses[0] as { restartCount: number }).restartCount = 4;
    h.advance(5 * 60_000);
    expect(itemsOf(await h.invoke()).kube).toMatchObject({ status: 'fail', failures: 1, down: true, growth: true });
    expect(h.sent.map((m) => m.title)).toEqual(['kube down: kube']);
    expect(h.sent[0]?.text).toMatch(/4 container restart\(s\) since the previous sweep/);
    h.advance(5 * 60_000);
    expect(itemsOf(await h.invoke()).kube).toMatchObject({ status: 'ok', down: false });
    expect(h.sent.map((m) => m.title)).toEqual(['kube down: kube', 'kube recovered after 5m']);
  });
});

describe('healthSweep remediation', () => {
  it('restarts a Kubernetes Deployment through the guard after `after` failures, then verifies recovery', async () => {
    const h = healthHarness(estate([ready('kube')]));
    app.up = false;
    kube.server.listeners.push((r) => {
      if (r.method === 'PATCH') app.up = true;
    });
    await h.invoke();
    expect(kube.server.find('PATCH', /deployments\/web$/)).toHaveLength(0);
    const envelope = await h.invoke();
    const patches = kube.server.find('PATCH', /deployments\/web$/);
    expect(patches).toHaveLength(1);
    const ops = patches[0]?.body as {
      op: string;
      path: string;
      value: { metadata: { annotations: Record<string, string> } };
    }[];
    expect(ops[0]).toMatchObject({ op: 'test', path: '/metadata/generation' });
    expect(ops[1]?.path).toBe('/spec/template');
    expect(ops[1]?.value.metadata.annotations[RESTARTED_AT_ANNOTATION]).toBe(h.clock.now().toISOString());
    expect(envelope.actions).toMatchObject([{ action: 'restart', target: 'kube', status: 'done' }]);
    expect(envelope.summary).toMatch(/restarted kube: every check passes again after 1 re-check/);
    expect(h.sleeps).toEqual([10_000]);
    expect(h.sent.map((m) => m.title)).toEqual(['kube down: kube-ready', 'kube restarted; its checks pass again']);
    expect(
      h
        .audits()
        .filter((a) => a.action === 'restart')
        .map((a) => a.decision),
    ).toEqual(['decided', 'intent', 'done']);
  });

  it('says so when the run ended before the re-check, instead of calling the service still failing', async () => {
    // The wait before the re-check is cut by the run ending (limits.timeout): nothing was re-checked.
    const sleep = async () => {
      throw new DOMException('the run ended', 'AbortError');
    };
    const h = healthHarness(estate([ready('run')]), { sleep });
    app.up = false;
    await h.invoke();
    const envelope = await h.invoke();
    expect(envelope.summary).toMatch(/restarted run, not re-checked before the run ended: escalated/);
    expect(h.sent.map((m) => [m.severity, m.title])).toEqual([
      ['critical', 'run down: run-ready'],
      ['critical', 'run restarted, not re-checked before the run ended'],
    ]);
    expect(h.sent[1]?.text).toMatch(/whether it healed is not known/);
  });

  it('creates a new Cloud Run revision from the unchanged template', async () => {
    const h = healthHarness(estate([ready('run')]));
    app.up = false;
    await h.invoke();
    await h.invoke();
    const patch = run.server.find('PATCH', /services\/web$/)[0];
    if (!patch) throw new Error('no PATCH reached the Cloud Run fake');
    expect(patch.query.get('forceNewRevision')).toBe('true');
    expect(patch.query.get('updateMask')).toBe('template');
    expect((patch.body as { template: Record<string, unknown> }).template).not.toHaveProperty('revision');
    expect((await h.invoke()).actions).toEqual([]);
    // Still failing after the verify window: escalated once, no second restart.
    expect(h.sent.map((m) => m.title)).toEqual(['run down: run-ready', 'run still failing 30s after a restart']);
    expect(run.server.find('PATCH', /services\/web$/)).toHaveLength(1);
    app.up = true;
    await h.invoke();
    app.up = false;
    await h.invoke();
    await h.invoke();
    // Recovered in between: the escalation is forgotten, but the 30m cooldown still holds the next restart back.
    expect(run.server.find('PATCH', /services\/web$/)).toHaveLength(1);
  });

  it('pages instead of restarting when the readiness body names a down dependency', async () => {
    const h = healthHarness(estate([ready('kube')]));
    app.dependencyDown = true;
    await h.invoke();
    const envelope = await h.invoke();
    await h.invoke();
    expect(kube.server.find('PATCH', /deployments/)).toHaveLength(0);
    expect(envelope.actions).toEqual([]);
    const held = h.sent.filter((m) => m.title === 'kube: not restarting, a dependency is down');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ severity: 'critical' });
    expect(held[0]?.text).toMatch(/a dependency is down \(db\)/);
  });

  it('refuses to restart a Cloud Run service whose traffic is pinned, and pages', async () => {
    run.setTraffic(RUN, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-aaa', percent: 100 }]);
    const h = healthHarness(estate([ready('run')]));
    app.up = false;
    await h.invoke();
    const envelope = await h.invoke();
    expect(envelope.actions).toMatchObject([{ action: 'restart', status: 'failed' }]);
    expect(h.sent.at(-1)).toMatchObject({ severity: 'critical', title: 'run: restart failed' });
    expect(h.sent.at(-1)?.text).toMatch(/traffic is pinned to a revision/);
    expect(run.server.find('PATCH', /services\/web$/)).toHaveLength(0);
  });

  it('pages once that a guard blocks the restart, not at every sweep while it does', async () => {
    const freeze = { start: '2020-01-01T00:00:00Z', end: '2100-01-01T00:00:00Z', reason: 'release freeze' };
    const h = healthHarness(estate([ready('kube')], { guard: { freezeWindows: [freeze] } }));
    app.up = false;
    for (let i = 0; i < 8; i++) {
      await h.invoke();
      h.clock.advance(5 * 60_000);
    }
    expect(kube.server.find('PATCH', /deployments/)).toHaveLength(0);
    expect(h.sent.filter((m) => m.title === 'kube: restart blocked by freeze')).toHaveLength(1);
  });

  it('resolves the pages remediation sent once the service is healthy again, under the key they carried', async () => {
    const h = healthHarness(estate([ready('run')]));
    app.up = false;
    await h.invoke();
    await h.invoke();
    const escalated = h.sent.find((m) => m.title === 'run still failing 30s after a restart');
    expect(escalated?.dedupKey).toMatch(/^health:remedy:run:/);
    app.up = true;
    await h.invoke();
    expect(h.sent.filter((m) => m.resolve).map((m) => m.dedupKey)).toContain(escalated?.dedupKey);
  });

  it('does not restart a Deployment in the middle of a rollout, and pages instead', async () => {
    const h = healthHarness(estate([ready('kube')]));
    app.up = false;
    await h.invoke();
    // A deploy has just been applied: the controller has not observed its generation yet.
    const d = kube.deployments.get('default/web');
    if (d) d.metadata.generation += 1;
    const envelope = await h.invoke();
    expect(kube.server.find('PATCH', /deployments\/web$/)).toHaveLength(0);
    expect(envelope.actions).toMatchObject([{ action: 'restart', status: 'failed' }]);
    expect(h.sent.at(-1)).toMatchObject({ severity: 'critical', title: 'kube: restart failed' });
    expect(h.sent.at(-1)?.text).toMatch(/is rolling out \(a change the controller has not observed yet\)/);
  });

  it('only pretends in a dry run', async () => {
    const h = healthHarness(estate([ready('kube')]));
    app.up = false;
    await h.invoke(undefined, { dryRun: true });
    const envelope = await h.invoke(undefined, { dryRun: true });
    expect(envelope.actions).toMatchObject([{ action: 'restart', target: 'kube', status: 'dry-run' }]);
    expect(kube.server.find('PATCH', /deployments/)).toHaveLength(0);
  });
});
