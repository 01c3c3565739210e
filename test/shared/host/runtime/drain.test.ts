import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../../../shared/core/events/trigger.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { REDELIVER_PREFIX } from '../../../../shared/host/runtime/drain.js';
import { ShutdownError } from '../../../../shared/host/runtime/errors.js';
import { createHttpServer } from '../../../../shared/host/runtime/node-server.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

/** Takes a lock, then waits: for an abort (`stop`), forever (`hang`), or not at all (`quick`). */
function holder(calls: string[], dryRuns: boolean[] = []) {
  return defineFunction<{ mode: 'stop' | 'hang' | 'quick' }>({
    name: 'holder',
    description: 'holds a lock while it works',
    triggers: ['manual'],
    input: z.object({ mode: z.enum(['stop', 'hang', 'quick']) }),
    async run(ctx, input) {
      calls.push(input?.mode ?? 'none');
      dryRuns.push(ctx.dryRun);
      const token = await ctx.state.lock('holder:work', 60_000);
      if (!token) return { outcome: 'skipped', summary: 'locked' };
      try {
        if (input?.mode === 'stop') {
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        }
        if (input?.mode === 'hang') await new Promise(() => undefined);
        return { outcome: 'ok', summary: 'done' };
      } finally {
        if (input?.mode !== 'hang') await ctx.state.unlock('holder:work', token);
      }
    },
  });
}

const manual = (id: string, mode: string): Trigger => ({ kind: 'manual', id, payload: { mode } });

async function runtimeWith(state: MemoryStateStore, calls: string[]) {
  const logs = captureLogs();
  const runtime = await createRuntime({ config: testEstate(), functions: [holder(calls)], state, logSink: logs.sink });
  return { runtime, logs };
}

describe('draining a runtime on shutdown', () => {
  it('interrupts work still running after the grace period, keeps its trigger for the next start and refuses new work', async () => {
    const state = new MemoryStateStore();
    const calls: string[] = [];
    const { runtime, logs } = await runtimeWith(state, calls);
    const stopping = runtime.invoke('holder', manual('a', 'stop'));
    await new Promise((r) => setTimeout(r, 20));
    const report = await runtime.drain({ graceMs: 50, abortGraceMs: 50 });
    expect(report).toEqual({
      finished: 0,
      interrupted: [{ function: 'holder', trigger: 'a', settled: true, locksReleased: [] }],
    });
    const envelope = await stopping;
    expect(envelope.error).toMatchObject({
      status: 503,
      retryable: true,
      message: expect.stringContaining('shutting down'),
    });
    expect(await state.keys(REDELIVER_PREFIX)).toEqual([`${REDELIVER_PREFIX}holder:a`]);
    expect(await state.lock('holder:work', 1_000)).toBeDefined();
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({ decision: 'failed', action: 'shutdown', target: 'holder:a', outcome: 'interrupted' }),
    );
    await expect(runtime.invoke('holder', manual('b', 'quick'))).rejects.toBeInstanceOf(ShutdownError);
  });

  it('releases the lock and the claim of work that ignores the interruption, and the next start runs it again', async () => {
    const state = new MemoryStateStore();
    const calls: string[] = [];
    const first = await runtimeWith(state, calls);
    void first.runtime.invoke('holder', manual('h', 'hang'));
    await new Promise((r) => setTimeout(r, 20));
    expect(await state.lock('holder:work', 1_000)).toBeUndefined();
    const report = await first.runtime.drain({ graceMs: 20, abortGraceMs: 20 });
    expect(report.interrupted).toEqual([
      { function: 'holder', trigger: 'h', settled: false, locksReleased: ['holder:work'] },
    ]);
    expect(first.logs.audits().find((a) => a.action === 'shutdown')?.reason).toContain('1 lock(s) released');

    const second = await runtimeWith(state, calls);
    expect(await second.runtime.redeliver()).toBe(1);
    for (let i = 0; i < 100 && (await state.get('idem:holder:h')) === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['hang', 'hang']);
    expect(await state.keys(REDELIVER_PREFIX)).toEqual([]);
    expect(second.logs.audits()).toContainEqual(
      expect.objectContaining({ decision: 'decided', action: 'redeliver', target: 'holder:h' }),
    );
  });

  it('delivers an interrupted dry run again as a dry run, never as a real one', async () => {
    const state = new MemoryStateStore();
    const dryRuns: boolean[] = [];
    const config = testEstate();
    const first = await createRuntime({ config, functions: [holder([], dryRuns)], state, logSink: captureLogs().sink });
    const stopping = first.invoke('holder', manual('d', 'stop'), { dryRun: true });
    await new Promise((r) => setTimeout(r, 20));
    await first.drain({ graceMs: 20, abortGraceMs: 20 });
    await stopping;
    expect(await state.keys(REDELIVER_PREFIX)).toEqual([`${REDELIVER_PREFIX}holder:dry-run:d`]);

    const logs = captureLogs();
    const second = await createRuntime({ config, functions: [holder([], dryRuns)], state, logSink: logs.sink });
    expect(await second.redeliver()).toBe(1);
    while (dryRuns.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(dryRuns).toEqual([true, true]);
    expect(logs.audits()).toContainEqual(
      expect.objectContaining({ action: 'redeliver', reason: expect.stringContaining('as the dry run it was') }),
    );
  });

  it('stores an interrupted manual request for the next start only when its caller gave an Idempotency-Key', async () => {
    // Both callers are told to retry; one without a key retries under a new id, so a redelivery would run it twice.
    for (const [headers, kept] of [
      [{}, []],
      [{ 'idempotency-key': 'k1' }, [`${REDELIVER_PREFIX}holder:manual:k1`]],
    ] as const) {
      const state = new MemoryStateStore();
      const { runtime } = await runtimeWith(state, []);
      const server = createHttpServer(runtime);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const answer = fetch(`${url}/holder`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ mode: 'stop' }),
        });
        await new Promise((r) => setTimeout(r, 50));
        await runtime.drain({ graceMs: 20, abortGraceMs: 20 });
        expect((await answer).status).toBe(503);
        expect(await state.keys(REDELIVER_PREFIX)).toEqual(kept);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });

  it('answers 503 to requests that arrive while draining, with an audit record', async () => {
    const state = new MemoryStateStore();
    const { runtime, logs } = await runtimeWith(state, []);
    const server = createHttpServer(runtime);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      void runtime.invoke('holder', manual('s', 'stop'));
      const draining = runtime.drain({ graceMs: 300, abortGraceMs: 50 });
      const res = await fetch(`${url}/holder`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'quick' }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(((await res.json()) as { message: string }).message).toContain('shutting down');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await draining;
      expect(logs.audits()).toContainEqual(
        expect.objectContaining({ decision: 'rejected', reason: 'refused: opsfn is shutting down' }),
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
