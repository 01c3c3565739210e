import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ComposePlatform,
  type ComposePlatformOptions,
} from '../../../../shared/adapters/platforms/compose-platform.js';
import { DockerEngine } from '../../../../shared/adapters/platforms/docker-engine.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import {
  appService,
  composeCli,
  composeUp,
  docker,
  importAppImage,
  removeImages,
  removeProject,
  uniqueSuffix,
  writeComposeFile,
} from '../../../support/docker.js';
import { freePort } from '../../../support/local-process.js';
import { runPlatformContract } from './contract.js';

const suffix = uniqueSuffix();
const repo = `opsfn-test-${suffix}/app`;
const project = `opsfn-platform-${suffix}`;
let dir: string;
let file: string;
let port: number;
let services: (image: string) => Record<string, unknown>;
const state = new MemoryStateStore();

function platform(service: string, extra: Partial<ComposePlatformOptions> = {}): ComposePlatform {
  return new ComposePlatform({
    project,
    service,
    files: [file],
    history: state,
    waitTimeoutMs: 30_000,
    pollMs: 200,
    ...extra,
  });
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await delay(200);
  }
}

describe('ComposePlatform against a real Docker daemon', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsfn-compose-'));
    port = await freePort();
    await Promise.all([importAppImage(repo, 'v1', 200), importAppImage(repo, 'v2', 500)]);
    services = (image) => ({
      app: appService(image, port),
      worker: { image: `${repo}:v1`, network_mode: 'host', init: true, command: ['sleep', '3600'] },
    });
    file = await writeComposeFile(dir, services(`${repo}:v1`));
    await composeUp(project, file);
  }, 60_000);

  afterAll(async () => {
    await removeProject(project);
    await removeImages(`${repo}:v1`, `${repo}:v2`);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('reads the containers and their health, and records each image that serves', async () => {
    const app = platform('app');
    const first = await until(
      () => app.status(),
      (s) => s.ready,
    );
    expect(first).toMatchObject({ platform: 'compose', target: `${project}/app`, ready: true, serving: `${repo}:v1` });
    expect(first.revisions).toMatchObject([{ name: `${repo}:v1`, number: 1, ready: true, percent: 100 }]);

    await writeComposeFile(dir, services(`${repo}:v2`));
    await composeUp(project, file);
    const second = await until(
      () => app.status(),
      (s) => s.serving === `${repo}:v2` && !s.ready,
    );
    expect(second.ready).toBe(false);
    expect(second.revisions).toMatchObject([
      { name: `${repo}:v2`, number: 2, ready: false, percent: 100 },
      { name: `${repo}:v1`, number: 1, ready: true, percent: 0 },
    ]);
    expect(Date.parse(second.revisions[0]?.createdAt ?? '')).toBeGreaterThan(
      Date.parse(first.revisions[0]?.createdAt ?? ''),
    );
  });

  it('records the image that serves on a health read too, and reads health whatever the state store does', async () => {
    const store = new MemoryStateStore();
    const health = await platform('worker', { history: store }).health();
    expect(health.pods?.length).toBeGreaterThan(0);
    expect(await store.get(`platform:compose:history:${project}/worker`)).toMatchObject([{ image: `${repo}:v1` }]);
    // A state store that fails is not the service failing: the containers are still read.
    const broken = Object.assign(Object.create(store) as MemoryStateStore, {
      get: async () => {
        throw new Error('state store down');
      },
    });
    const read = await platform('worker', { history: broken }).health();
    expect(read.pods?.length).toBe(health.pods?.length);
  });

  // The contract starts from the broken v2 deployed above, and leaves app pinned to v1 by an override file and
  // worker at three containers: where the tests after it start.
  runPlatformContract('ComposePlatform', async () => ({
    platform: platform('app'),
    serving: `${repo}:v2`,
    previous: `${repo}:v1`,
    scale: {
      platform: platform('worker'),
      change: { platform: 'compose', replicas: 3 },
      expect: { platform: 'compose', replicas: 3 },
    },
    unreachable: () => ({
      platform: platform('app', { dockerHost: `unix://${join(dir, 'no-daemon.sock')}` }),
      message: /Docker daemon at unix:\/\/.*no-daemon\.sock is not answering/,
    }),
    async hanging() {
      const path = join(dir, 'hung.sock');
      const held: Socket[] = [];
      const hung: Server = createServer((socket) => held.push(socket));
      await new Promise<void>((resolve) => hung.listen(path, resolve));
      return {
        platform: platform('app', { dockerHost: `unix://${path}`, timeoutMs: 500 }),
        message: /did not answer within/,
        async close() {
          for (const socket of held) socket.destroy();
          await new Promise<void>((resolve) => hung.close(() => resolve()));
        },
      };
    },
  }));

  it('pins through an override file the compose command names, and releases the pin', async () => {
    const app = platform('app');
    const [cli] = await composeCli();
    const pinFile = join(dir, `.opsfn-pin.${project}.app.yml`);
    expect(await app.preview({ kind: 'route', revision: `${repo}:v1` })).toBe(
      `${cli === 'docker' ? 'docker compose' : cli} -p ${project} -f ${file} -f ${pinFile} up -d --no-deps --force-recreate --scale app=1 app`,
    );
    expect(await app.status()).toMatchObject({ ready: true, serving: `${repo}:v1`, latestReady: `${repo}:v2` });
    expect(await readFile(pinFile, 'utf8')).toContain(`image: ${repo}:v1`);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    await writeComposeFile(dir, services(`${repo}:v1`));
    // Judged for v2, the files name v1 now: nothing runs and the pin stays.
    await expect(app.followLatest({ expectLatest: `${repo}:v2` })).rejects.toThrow(
      `the latest revision is ${repo}:v1, not the judged ${repo}:v2: a deploy landed since`,
    );
    expect(existsSync(pinFile)).toBe(true);
    const released = await app.followLatest({ expectLatest: `${repo}:v1` });
    expect(released).toMatchObject({ ready: true, serving: `${repo}:v1` });
    expect(existsSync(pinFile)).toBe(false);
  });

  it('reads its scale as compose counts it, a crashed container included, and brings that one back with --scale', async () => {
    const worker = platform('worker');
    const engine = new DockerEngine();
    const [victim] = await engine.containers(project, 'worker');
    await docker('kill', victim?.id ?? '');
    expect((await engine.containers(project, 'worker')).filter((c) => c.state === 'running')).toHaveLength(2);
    expect(await worker.scaling()).toEqual({ platform: 'compose', replicas: 3 });
    await worker.scale({ platform: 'compose', replicas: 3 });
    expect((await engine.containers(project, 'worker')).filter((c) => c.state === 'running')).toHaveLength(3);
  }, 60_000);

  it('scales down with --scale, and restarts in place', async () => {
    const worker = platform('worker');
    expect(await worker.scale({ platform: 'compose', replicas: 1 })).toEqual({ platform: 'compose', replicas: 1 });

    const engine = new DockerEngine();
    const [before] = await engine.containers(project, 'worker');
    await worker.restart();
    const [after] = await engine.containers(project, 'worker');
    expect(after?.id).toBe(before?.id);
    expect(Date.parse(after?.startedAt ?? '')).toBeGreaterThan(Date.parse(before?.startedAt ?? ''));
  }, 60_000);

  it('restarts a service with a crashed container back to all running, and previews the change the rollback runs', async () => {
    const worker = platform('worker');
    await worker.scale({ platform: 'compose', replicas: 2 });
    const engine = new DockerEngine();
    const [victim] = await engine.containers(project, 'worker');
    await docker('kill', victim?.id ?? '');
    // A rollback recreates as many containers as the service has, the crashed one included, and says so.
    expect(await worker.preview({ kind: 'route', revision: `${repo}:v1` })).toContain('--scale worker=2 worker');
    // `compose restart` starts the stopped container too: done when both run.
    await expect(worker.restart()).resolves.toMatchObject({ ready: true });
    expect((await engine.containers(project, 'worker')).filter((c) => c.state === 'running')).toHaveLength(2);
  }, 90_000);
});
