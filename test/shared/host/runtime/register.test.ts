import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { type FrameworkRegistrar, registerFunctions, targetNames } from '../../../../shared/host/runtime/register.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';

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
