import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import { fanOut } from '../../../../shared/core/run/fanout.js';
import { type Fanout, FanoutKeys, ShardRefSchema } from '../../../../shared/core/run/fanout-types.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { testEstateOf } from '../../../support/estate.js';

interface Item {
  key: string;
  status: string;
  why?: string;
}

describe('a continuation run in this process (opsfn serve, opsfn invoke)', () => {
  it('is delivered dead-lettered once its deliveries are spent, so a shard that always fails is reported, not dropped', async () => {
    const state = new MemoryStateStore();
    let attempts = 0;
    const finished: Item[][] = [];
    const fanout: Fanout<Item> = {
      async work(_ctx, keys) {
        if (keys.includes('a')) {
          attempts += 1;
          throw new DependencyError('scratch server down');
        }
        return keys.map((key) => ({ key, status: 'ok' }));
      },
      missing: (_ctx, key, why) => ({ key, status: 'fail', why }),
      async finish(_ctx, _run, items) {
        finished.push(items);
        return { outcome: 'fail', summary: 'done', items };
      },
    };
    const fn = defineFunction({
      name: 'fanned',
      description: 'splits four keys into shards of two',
      triggers: ['scheduled', 'manual'],
      deadLetters: true,
      input: z.strictObject({ shard: z.optional(ShardRefSchema) }),
      run: async (ctx, input) =>
        (await fanOut(ctx, { keys: ['a', 'b', 'c', 'd'], shard: input?.shard, perShard: 2, what: 'keys' }, fanout)) ?? {
          outcome: 'ok',
          summary: 'not split',
        },
    });
    const runtime = await createRuntime({
      config: testEstateOf({}),
      functions: [fn],
      state,
      logSink: () => undefined,
      env: {},
      localRedeliveryMs: [5, 5, 5, 5],
    });
    try {
      const started = await runtime.invoke('fanned', { kind: 'manual', id: 'serve-1', payload: {} });
      expect(started.accepted).toBe(true);
      await runtime.settled();
      expect(attempts).toBe(5);
      expect(await state.get(FanoutKeys.shard('fanned', started.runId, 0))).toMatchObject({
        status: 'failed',
        detail: expect.stringMatching(/dead-lettered after 5 deliveries: scratch server down/),
      });
      expect(finished).toHaveLength(1);
      expect(finished[0]?.map((i) => [i.key, i.status])).toEqual([
        ['a', 'fail'],
        ['b', 'fail'],
        ['c', 'ok'],
        ['d', 'ok'],
      ]);
      expect(await state.keys(FanoutKeys.openPrefix('fanned'))).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
