import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { type FrameworkRegistrar, registerFunctions, targetNames } from '../../../../shared/host/runtime/register.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { REDIS_URL } from '../../../support/redis-prefix.js';

const make = (name: string) =>
  defineFunction({
    name,
    description: 'test function',
    triggers: ['manual'],
    input: z.object({}),
    run: async () => ({ outcome: 'ok', summary: name }),
  });

/** A loader that counts its builds, each a runtime serving `alpha` on memory state. */
function countingLoader() {
  const counter = { built: 0 };
  const load = async () => {
    counter.built += 1;
    return createRuntime({
      config: testEstate(),
      functions: [make('alpha')],
      state: new MemoryStateStore(),
      notifier: recordingNotifier(),
    });
  };
  return { counter, load };
}

/** A loader building a runtime on a Redis state store whose connection is named `name`. */
function redisLoader(url: string, name: string) {
  const stores: RedisStateStore[] = [];
  const load = async () => {
    const state = await RedisStateStore.open({ url, prefix: `opsfn-test:warm:${name}:`, connectionName: name });
    stores.push(state);
    return createRuntime({ config: testEstate(), functions: [make('alpha')], state, notifier: recordingNotifier() });
  };
  return { stores, load };
}

/** The `CLIENT LIST` lines of the test Redis naming `name`. */
async function connectionsNamed(name: string): Promise<string[]> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${name} `));
  } finally {
    admin.disconnect();
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((wait) => setTimeout(wait, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function recorder() {
  const registered: { kind: 'http'; name: string }[] = [];
  const registrar: FrameworkRegistrar = { http: (name) => registered.push({ kind: 'http', name }) };
  return { registered, registrar };
}

describe('registerFunctions', () => {
  it('registers an HTTP target named after each function and an event target with the Event suffix, both on the HTTP signature', () => {
    const { registered, registrar } = recorder();
    registerFunctions([make('alpha'), make('betaGamma')], { registrar, loadRuntime: () => Promise.reject() });
    expect(registered).toEqual([
      { kind: 'http', name: 'alpha' },
      { kind: 'http', name: 'alphaEvent' },
      { kind: 'http', name: 'betaGamma' },
      { kind: 'http', name: 'betaGammaEvent' },
    ]);
    expect(targetNames(make('alpha'))).toEqual({ http: 'alpha', cloudEvent: 'alphaEvent' });
  });

  it('refuses a registry that names one function twice, before registering anything', () => {
    const { registered, registrar } = recorder();
    expect(() => registerFunctions([make('alpha'), make('alpha')], { registrar })).toThrow(
      /"alpha" is registered twice/,
    );
    expect(registered).toEqual([]);
  });

  it('returns the loader it registered with, which builds nothing until the first request and then once', async () => {
    const { registrar } = recorder();
    const { counter, load } = countingLoader();
    const loader = registerFunctions([make('alpha')], { registrar, loadRuntime: load });
    expect(counter.built).toBe(0);
    const runtime = await loader();
    expect(runtime.find('alpha').name).toBe('alpha');
    // Every target and request shares that one runtime.
    expect(await loader()).toBe(runtime);
    expect(counter.built).toBe(1);
  });

  it('warm: builds the runtime once, on the turn after registering, and the first request gets that runtime', async () => {
    const { registrar } = recorder();
    const { counter, load } = countingLoader();
    const loader = registerFunctions([make('alpha')], { registrar, warm: true, loadRuntime: load });
    expect(counter.built).toBe(0);
    await new Promise((turn) => setImmediate(turn));
    expect(counter.built).toBe(1);
    const first = await loader();
    expect(await loader()).toBe(first);
    expect(counter.built).toBe(1);
  });

  it('warm: opens the state store connection before the first request, which then uses it', async () => {
    const name = `opsfn-warm-${randomUUID()}`;
    const { stores, load } = redisLoader(REDIS_URL, name);
    const loader = registerFunctions([make('alpha')], {
      registrar: recorder().registrar,
      warm: true,
      loadRuntime: load,
    });
    try {
      await until(async () => (await connectionsNamed(name)).length === 1, `a connection named ${name}`);
      const runtime = await loader();
      const envelope = await runtime.invoke('alpha', { kind: 'manual', id: randomUUID(), payload: {} });
      expect(envelope.outcome).toBe('ok');
      expect(await connectionsNamed(name)).toHaveLength(1);
      expect(stores).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('warm: a state store it cannot reach leaves no unhandled rejection, and the first run goes on without it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const { stores, load } = redisLoader('redis://127.0.0.1:1', `opsfn-warm-${randomUUID()}`);
    try {
      const loader = registerFunctions([make('alpha')], {
        registrar: recorder().registrar,
        warm: true,
        loadRuntime: load,
      });
      await until(async () => stores.length === 1, 'the warm build');
      const runtime = await loader();
      const envelope = await runtime.invoke('alpha', { kind: 'manual', id: randomUUID(), payload: {} });
      expect(envelope).toMatchObject({ outcome: 'ok', state: 'unavailable' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('warm: a build that fails is not kept and leaves no unhandled rejection; the first request builds again and sees the error', async () => {
    const { registrar } = recorder();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let built = 0;
      const loader = registerFunctions([make('alpha')], {
        registrar,
        warm: true,
        loadRuntime: async () => {
          built += 1;
          throw new Error(`config unreadable (build ${built})`);
        },
      });
      await new Promise((turn) => setImmediate(turn));
      await new Promise((turn) => setImmediate(turn));
      expect(built).toBe(1);
      await expect(loader()).rejects.toThrow('config unreadable (build 2)');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
