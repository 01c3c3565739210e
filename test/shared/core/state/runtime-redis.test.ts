import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../../functions/estate.js';
import type { Trigger } from '../../../../shared/core/events/trigger.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { runForTest } from '../../../../shared/testing/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `opsfn-test:state-e2e:${randomUUID()}:`;
const config = EstateSchema.parse({});

const manual = (id: string, payload: Record<string, unknown> = {}): Trigger => ({ kind: 'manual', id, payload });

afterAll(async () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
});

describe('runFunction on the Redis state store', () => {
  let state: RedisStateStore;
  beforeEach(async () => {
    state = await RedisStateStore.open({ url: REDIS_URL, prefix });
  });
  afterEach(async () => {
    await state.close();
  });

  it('runs a redelivered event once and answers the duplicate with the recorded envelope', async () => {
    let runs = 0;
    const fn = defineFunction({
      name: 'stateEcho',
      description: 'counts its runs',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => ({ outcome: 'ok', summary: `run ${++runs}` }),
    });
    const id = `evt-${randomUUID()}`;
    const { envelope: first } = await runForTest(fn, manual(id), { estate: config, state });
    const { envelope: second } = await runForTest(fn, manual(id), { estate: config, state });
    expect(runs).toBe(1);
    expect(first.summary).toBe('run 1');
    expect(second).toMatchObject({ summary: 'run 1', runId: first.runId, duplicate: true });
  });

  it('lets one of two concurrent runs act on a target and leaves its cooldown in Redis', async () => {
    const target = `svc-${randomUUID()}`;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = defineFunction({
      name: 'stateScale',
      description: 'one guarded action',
      triggers: ['manual'],
      input: z.object({}),
      run: async (ctx) => {
        const result = await ctx.act('scale', target, () => gate, { cooldownMs: 60_000 });
        return { outcome: 'ok', summary: result.status };
      },
    });
    const a = runForTest(fn, manual(`a-${randomUUID()}`), { estate: config, state }).then((r) => r.envelope);
    const b = runForTest(fn, manual(`b-${randomUUID()}`), { estate: config, state }).then((r) => r.envelope);
    setTimeout(release, 200);
    const summaries = (await Promise.all([a, b])).map((r) => r.summary).sort();
    expect(summaries).toEqual(['done', 'refused']);
    const left = await state.cooldownLeft(`cooldown:scale:${target}`);
    expect(left).toBeGreaterThan(50_000);
    expect(await state.keys(`lock:${target}`)).toEqual([]);
  });

  it('fails fast without running the function when Redis is unreachable', async () => {
    const dead = await RedisStateStore.open({ url: 'redis://127.0.0.1:1', prefix });
    let ran = false;
    const fn = defineFunction({
      name: 'stateDead',
      description: 'must not run',
      triggers: ['manual'],
      input: z.object({}),
      run: async () => {
        ran = true;
        return { outcome: 'ok', summary: 'ran' };
      },
    });
    const started = Date.now();
    const { envelope } = await runForTest(fn, manual(`d-${randomUUID()}`), { estate: config, state: dead });
    await dead.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ran).toBe(false);
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/state store unavailable/);
    expect(envelope.error).toMatchObject({ kind: 'dependency', retryable: true });
  });
});
