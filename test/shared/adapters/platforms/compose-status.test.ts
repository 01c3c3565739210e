import { describe, expect, it } from 'vitest';
import { type ImageEntry, observe } from '../../../../shared/adapters/platforms/compose-history.js';
import { tagOf } from '../../../../shared/adapters/platforms/compose-pin.js';
import { toComposeHealth, toComposeStatus } from '../../../../shared/adapters/platforms/compose-status.js';
import type { ContainerView } from '../../../../shared/adapters/platforms/docker-engine.js';

const container = (image: string, extra: Partial<ContainerView> = {}): ContainerView => ({
  id: `${image}-${Math.random()}`,
  name: 'p-app-1',
  image,
  imageId: `sha256:${image}`,
  created: '2026-03-01T10:00:00.000Z',
  startedAt: '2026-03-01T10:00:01.000Z',
  state: 'running',
  restartCount: 0,
  ...extra,
});
const at = '2026-03-01T12:00:00.000Z';

describe('compose image history', () => {
  it('numbers each new image after the others and keeps the sighting of the newest while it serves', () => {
    let history: ImageEntry[] = [];
    history = observe(history, { image: 'app:v1', imageId: 'sha256:1', since: '2026-03-01T09:00:00.000Z', at });
    history = observe(history, { image: 'app:v2', imageId: 'sha256:2', since: '2026-03-01T11:00:00.000Z', at });
    history = observe(history, { image: 'app:v2', imageId: 'sha256:2', since: '2026-03-01T11:00:00.000Z', at });
    expect(history.map((e) => [e.image, e.number, e.since])).toEqual([
      ['app:v1', 1, '2026-03-01T09:00:00.000Z'],
      ['app:v2', 2, '2026-03-01T11:00:00.000Z'],
    ]);
  });

  it('renumbers an earlier image that serves again, so the next failed deploy goes back to it', () => {
    // v1, v2, then an operator's rollback by hand to v1 (runbook: the previous tag, `docker compose up -d`).
    let history: ImageEntry[] = [];
    history = observe(history, { image: 'app:v1', imageId: 'sha256:1', since: '2026-03-01T09:00:00.000Z', at });
    history = observe(history, { image: 'app:v2', imageId: 'sha256:2', since: '2026-03-01T11:00:00.000Z', at });
    history = observe(history, { image: 'app:v1', imageId: 'sha256:1', since: '2026-03-01T11:30:00.000Z', at });
    expect(history.map((e) => [e.image, e.number, e.since])).toEqual([
      ['app:v2', 2, '2026-03-01T11:00:00.000Z'],
      ['app:v1', 3, '2026-03-01T11:30:00.000Z'],
    ]);
    history = observe(history, { image: 'app:v3', imageId: 'sha256:3', since: '2026-03-01T12:00:00.000Z', at });
    const status = toComposeStatus({
      target: 'p/app',
      containers: [container('app:v3')],
      history,
      deployable: new Set(['app:v1', 'app:v2']),
      now: new Date(at),
    });
    expect(status.revisions.map((r) => r.name)).toEqual(['app:v3', 'app:v1', 'app:v2']);
  });

  it('counts a tag moved to other content as a new deploy', () => {
    const first = observe([], { image: 'app:latest', imageId: 'sha256:a', since: '2026-03-01T09:00:00.000Z', at });
    const moved = observe(first, { image: 'app:latest', imageId: 'sha256:b', since: '2026-03-01T11:00:00.000Z', at });
    expect(moved).toMatchObject([{ image: 'app:latest', imageId: 'sha256:b', number: 2 }]);
  });
});

describe('toComposeHealth', () => {
  it('says which container keeps the service from being ready, one still starting included', () => {
    const health = toComposeHealth('p/app', [
      container('app:v2'),
      container('app:v2', { name: 'p-app-2', health: 'starting' }),
    ]);
    expect(health).toMatchObject({ ready: false, message: 'p-app-2 is starting' });
  });
});

describe('toComposeStatus', () => {
  const history: ImageEntry[] = [
    { image: 'app:v1', imageId: 'sha256:app:v1', since: '2026-03-01T08:00:00.000Z', lastSeen: at, number: 1 },
    { image: 'app:v2', imageId: 'sha256:app:v2', since: '2026-03-01T10:00:00.000Z', lastSeen: at, number: 2 },
  ];

  it('serves the image most running containers run and is not ready while one is unhealthy', () => {
    const status = toComposeStatus({
      target: 'p/app',
      containers: [container('app:v2'), container('app:v2', { health: 'unhealthy' }), container('app:v1')],
      history,
      deployable: new Set(['app:v1']),
      now: new Date(at),
    });
    expect(status).toMatchObject({ platform: 'compose', serving: 'app:v2', ready: false, latestReady: 'app:v2' });
    expect(status.traffic).toEqual([
      { revision: 'app:v2', percent: 67 },
      { revision: 'app:v1', percent: 33 },
    ]);
    expect(status.revisions.map((r) => [r.name, r.number, r.ready])).toEqual([
      ['app:v2', 2, false],
      ['app:v1', 1, true],
    ]);
  });

  it('lists the image the compose files name as the latest while a pin holds an older one', () => {
    const status = toComposeStatus({
      target: 'p/app',
      containers: [container('app:v1')],
      history,
      deployable: new Set(['app:v1', 'app:v2']),
      latest: { image: 'app:v3', deployable: true },
      now: new Date(at),
    });
    expect(status).toMatchObject({ serving: 'app:v1', ready: true, latestReady: 'app:v3' });
    expect(status.revisions[0]).toMatchObject({ name: 'app:v3', number: 3, percent: 0, ready: true });
  });

  it('reports nothing serving when no container runs', () => {
    const status = toComposeStatus({
      target: 'p/app',
      containers: [container('app:v2', { state: 'exited' })],
      history: [],
      deployable: new Set(),
      now: new Date(at),
    });
    expect(status).toMatchObject({ serving: undefined, ready: false, traffic: [] });
  });
});

describe('tagOf', () => {
  it.each([
    ['app:v1', 'v1'],
    ['registry.example.com:5000/team/app:1.2.3', '1.2.3'],
    ['registry.example.com:5000/team/app', undefined],
    ['app@sha256:abc', undefined],
  ])('%s → %s', (image, tag) => {
    expect(tagOf(image)).toBe(tag);
  });
});

describe('toComposeHealth', () => {
  it('counts running, healthy containers as available and names the first unwell one', () => {
    const health = toComposeHealth('p/app', [
      container('app:v1', { name: 'p-app-1', restartCount: 2 }),
      container('app:v1', { name: 'p-app-2', health: 'unhealthy' }),
      container('app:v1', { name: 'p-app-3', state: 'restarting' }),
    ]);
    expect(health).toMatchObject({
      platform: 'compose',
      ready: false,
      message: 'p-app-2 is unhealthy',
      replicas: { desired: 3, available: 1, ready: 1, updated: 2 },
    });
    expect(health.pods).toEqual([
      { name: 'p-app-1', phase: 'Running', ready: true, restarts: 2 },
      { name: 'p-app-2', phase: 'Running', ready: false, restarts: 0 },
      { name: 'p-app-3', phase: 'restarting', ready: false, restarts: 0, waiting: 'restarting' },
    ]);
  });

  it('is not ready without any container', () => {
    expect(toComposeHealth('p/app', [])).toMatchObject({ ready: false, message: 'no containers' });
  });
});
