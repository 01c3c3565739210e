import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudRunPlatform } from '../../../../shared/adapters/platforms/cloud-run-platform.js';
import { PlatformOperationError } from '../../../../shared/adapters/platforms/errors.js';
import { BadInputError, DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { FakeCloudRun } from '../../../fakes/cloud-run.js';
import { httpFaults, runPlatformContract } from './contract.js';

const SERVICE = 'projects/p1/locations/us-central1/services/web';
const SERVICE_PATH = /^\/v2\/projects\/p1\/locations\/us-central1\/services\/web$/;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A fake Cloud Run with service `web` of three revisions, and the adapter bound to it. */
async function cloudRun(): Promise<{ fake: FakeCloudRun; platform: CloudRunPlatform }> {
  const fake = new FakeCloudRun();
  fake.addService(SERVICE, [
    { name: 'web-00001-aaa', createTime: ago(600) },
    { name: 'web-00002-bbb', createTime: ago(300) },
    { name: 'web-00003-ccc', createTime: ago(10) },
  ]);
  return { fake, platform: bind(await fake.server.start()) };
}

function bind(rootUrl: string): CloudRunPlatform {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return new CloudRunPlatform({
    project: 'p1',
    region: 'us-central1',
    service: 'web',
    rootUrl,
    auth,
    timeoutMs: 300,
    retries: 2,
    retryDelayMs: 5,
    pollMs: 5,
  });
}

runPlatformContract(
  'CloudRunPlatform',
  async () => {
    const { fake, platform } = await cloudRun();
    return {
      platform,
      serving: 'web-00003-ccc',
      previous: 'web-00002-bbb',
      scale: {
        change: { platform: 'cloud-run', level: 'service', min: 3, max: 30 },
        expect: { platform: 'cloud-run', service: { min: 3, max: 30 } },
      },
      ...(await httpFaults(bind, fake.server, SERVICE_PATH, { status: 503, body: { error: { code: 503 } } })),
      close: () => fake.server.stop(),
    };
  },
  { retriesReads: true },
);

describe('CloudRunPlatform', () => {
  let fake: FakeCloudRun;
  let platform: CloudRunPlatform;

  beforeEach(async () => {
    ({ fake, platform } = await cloudRun());
  });
  afterEach(() => fake.server.stop());

  it('reads traffic on LATEST as the latest ready revision, revisions newest first', async () => {
    const status = await platform.status();
    expect(status.serving).toBe('web-00003-ccc');
    expect(status.traffic).toEqual([{ revision: 'web-00003-ccc', percent: 100 }]);
    expect(status.revisions.map((r) => r.name)).toEqual(['web-00003-ccc', 'web-00002-bbb', 'web-00001-aaa']);
    expect(status.ready).toBe(true);
    expect(fake.server.requests[0]?.headers.authorization).toBe('Bearer fake-token');
  });

  it('pins 100% to a revision with updateMask=traffic and the etag, then waits for the operation', async () => {
    fake.operationPolls = 2;
    const after = await platform.routeAll('web-00002-bbb');
    const [patch] = fake.server.find('PATCH', SERVICE_PATH);
    expect(patch?.query.get('updateMask')).toBe('traffic');
    expect(patch?.body).toEqual({
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 }],
      etag: '"e1"',
    });
    expect(fake.server.find('GET', /\/operations\//)).toHaveLength(2);
    expect(after.serving).toBe('web-00002-bbb');
  });

  it('never retries a failed PATCH and leaves traffic as it was', async () => {
    fake.server.failNext('PATCH', SERVICE_PATH, { status: 503, body: { error: { code: 503 } } });
    await expect(platform.routeAll('web-00002-bbb')).rejects.toBeInstanceOf(DependencyError);
    expect(fake.server.find('PATCH', SERVICE_PATH)).toHaveLength(1);
    expect(fake.traffic(SERVICE)).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
  });

  it('fails on an operation that finishes with an error', async () => {
    fake.failOperationWith = 'revision failed health check';
    await expect(platform.routeAll('web-00002-bbb')).rejects.toBeInstanceOf(PlatformOperationError);
  });

  it('refuses a change made against a stale etag', async () => {
    fake.server.failNext('PATCH', SERVICE_PATH, { status: 409, body: { error: { code: 409, status: 'ABORTED' } } });
    await expect(platform.routeAll('web-00002-bbb')).rejects.toBeInstanceOf(BadInputError);
  });

  it('releases a pin by sending 100% to LATEST', async () => {
    fake.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 },
    ]);
    const after = await platform.followLatest();
    expect(after.serving).toBe('web-00003-ccc');
    expect(fake.server.find('PATCH', SERVICE_PATH)[0]?.body).toMatchObject({
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    });
  });

  it('changes service-level scaling through its update mask', async () => {
    const state = await platform.scale({ platform: 'cloud-run', level: 'service', min: 3, max: 30 });
    const [patch] = fake.server.find('PATCH', SERVICE_PATH);
    expect(patch?.query.get('updateMask')).toBe('scaling.minInstanceCount,scaling.maxInstanceCount');
    expect(state.service).toEqual({ min: 3, max: 30 });
    expect(state.template).toEqual({ min: 1, max: 10 });
  });

  it('clears template.revision so the new revision gets its own name, and says which revision the change reaches', async () => {
    const state = await platform.scale({ platform: 'cloud-run', level: 'template', max: 40 });
    const [patch] = fake.server.find('PATCH', SERVICE_PATH);
    expect(patch?.query.get('updateMask')).toBe('template.scaling.maxInstanceCount,template.revision');
    expect(patch?.body).toMatchObject({ template: { revision: '', scaling: { maxInstanceCount: 40 } } });
    expect(state.template).toEqual({ min: 1, max: 40 });
    expect(state.reached).toEqual({ revision: 'web-00004-n4x', percent: 100 });
  });

  it('refuses a template change while traffic is pinned, since the revision it creates would get none', async () => {
    fake.setTraffic(SERVICE, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-bbb', percent: 100 },
    ]);
    await expect(platform.scale({ platform: 'cloud-run', level: 'template', max: 40 })).rejects.toThrow(
      /pinned: .*web-00002-bbb 100 %.*a new revision would get 0 % of traffic; scale at level service/,
    );
    expect(fake.server.find('PATCH', SERVICE_PATH)).toHaveLength(0);
  });

  it('lists every revision across pages', async () => {
    for (const n of [4, 5, 6]) fake.addRevision(SERVICE, { name: `web-0000${n}-x${n}`, createTime: ago(5 - n) });
    expect((await platform.status()).revisions).toHaveLength(6);
    expect(fake.server.find('GET', /\/revisions$/).length).toBeGreaterThanOrEqual(3);
  });

  describe('against writers the etag does not stop', () => {
    const pinTo = (revision: string) =>
      fake.setTraffic(SERVICE, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision, percent: 100 }]);

    it('reports a change that landed between its read and its write, which its write replaced', async () => {
      fake.server.listeners.push((r) => {
        if (r.method === 'PATCH') pinTo('web-00001-aaa');
      });
      await expect(platform.routeAll('web-00002-bbb', { expectServing: 'web-00003-ccc' })).rejects.toThrow(
        /another change to .*services\/web landed around this one \(generation 1 → 3\)/,
      );
    });

    it('reports traffic that did not stay where it put it', async () => {
      fake.server.listeners.push((r) => {
        if (r.method === 'GET' && r.path.includes('/operations/')) pinTo('web-00001-aaa');
      });
      await expect(platform.routeAll('web-00002-bbb')).rejects.toThrow(
        /traffic is web-00001-aaa 100 %, not web-00002-bbb/,
      );
    });
  });
});
