import { describe, expect, it } from 'vitest';
import { BadInputError, DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import { fanOut, runShard } from '../../../../shared/core/run/fanout.js';
import { type Fanout, FanoutKeys, ShardRefSchema } from '../../../../shared/core/run/fanout-types.js';
import type { ResultEnvelope } from '../../../../shared/core/run/types.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createRunner } from '../../../../shared/host/runtime/invoke.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

interface Item {
  key: string;
  status: 'ok' | 'fail';
  by?: string;
}

/** A function that splits a run of `keys` three per shard, over state on a clock the test moves. */
function harness(keys: string[], behaviour: { fail?: Map<string, Error> } = {}) {
  const clock = { t: Date.parse('2026-12-01T00:00:00Z') };
  const state = new MemoryStateStore({ now: () => clock.t });
  const sent: { key: string; payload: Record<string, unknown> }[] = [];
  const finished: Item[][] = [];
  const worked: string[][] = [];
  const fanout: Fanout<Item> = {
    async work(ctx, shardKeys) {
      worked.push(shardKeys);
      const error = shardKeys.map((k) => behaviour.fail?.get(k)).find((e) => e !== undefined);
      if (error) throw error;
      return shardKeys.map((key) => ({ key, status: 'ok', by: ctx.runId }));
    },
    missing: (_ctx, key, why) => ({ key, status: 'fail', by: why }),
    async finish(_ctx, _run, items) {
      finished.push(items);
      const failed = items.filter((i) => i.status === 'fail').length;
      return { outcome: failed > 0 ? 'fail' : 'ok', summary: `${items.length} items, ${failed} failed`, items };
    },
  };
  const fn = defineFunction({
    name: 'fanned',
    description: 'splits its keys into shards',
    triggers: ['scheduled', 'manual'],
    input: z.strictObject({ shard: z.optional(ShardRefSchema) }),
    deadLetters: true,
    async run(ctx, input) {
      // As a function splits its runs: every invocation first ends the overdue ones, then works its shard or splits.
      const split = await fanOut(ctx, { keys, shard: input?.shard, perShard: 3, what: 'keys' }, fanout);
      if (!split) throw new Error('expected the run to split');
      return split;
    },
  });
  const logs = captureLogs();
  const services = createServices({
    config: testEstate({ limits: { shards: { deadline: '1h' } } as never }),
    state,
    logSink: logs.sink,
    now: () => new Date(clock.t),
    continuation: async (_name, key, payload) => {
      sent.push({ key, payload });
    },
  });
  const runner = createRunner(services);
  let delivery = 0;
  const deliver = (payload: Record<string, unknown>, id = `continue:${++delivery}`) =>
    runner(fn, {
      kind: 'scheduled',
      id,
      job: 'continue:fanned',
      scheduledAt: new Date(clock.t).toISOString(),
      payload,
    });
  /** The same continuation back through the dead-letter topic, after `deliveries` failed. */
  const deadLetter = (payload: Record<string, unknown>, deliveries = 5) =>
    runner(fn, {
      kind: 'scheduled',
      id: `dead:continue:${++delivery}`,
      job: 'continue:fanned',
      scheduledAt: new Date(clock.t).toISOString(),
      payload,
      deadLettered: { deliveries, subscription: 'opsfn-fanned-shards' },
    });
  const start = () => runner(fn, { kind: 'manual', id: `start-${++delivery}`, payload: {} });
  return { clock, state, sent, finished, worked, deliver, deadLetter, start, logs, runner };
}

/** Delivers every shard (the run ends), then runs the overdue sweep past the deadline: the run ended once. */
async function finishedOnceThroughTheSweep(h: ReturnType<typeof harness>, runId: string): Promise<void> {
  for (const { payload } of h.sent) await h.deliver(payload);
  expect(h.finished).toHaveLength(1);
  h.clock.t += 3_600_000 + 1;
  h.sent.length = 0;
  await h.start();
  expect(h.finished).toHaveLength(1);
  expect(await h.state.get(FanoutKeys.open('fanned', runId))).toBeUndefined();
}

const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
const fanout = (envelope: ResultEnvelope) => envelope.fanout as { run: string; shards: number; failed?: number[] };

describe('a run split into shards', () => {
  it('sends one continuation per shard and is accepted, the run recorded under its id', async () => {
    const h = harness(keys);
    const started = await h.start();
    expect(started).toMatchObject({ accepted: true, outcome: 'ok', fanout: { shards: 3 } });
    expect(h.sent.map((s) => s.payload)).toEqual([0, 1, 2].map((index) => ({ shard: { run: started.runId, index } })));
    expect(await h.state.get(FanoutKeys.run('fanned', started.runId))).toMatchObject({ keys, perShard: 3, shards: 3 });
  });

  it('aggregates exactly the shards’ items, in order, and the last shard finishes the run once', async () => {
    const h = harness(keys);
    const started = await h.start();
    const results = [];
    for (const { payload } of [...h.sent].reverse()) results.push(await h.deliver(payload));
    expect(results.slice(0, 2).map((r) => r.accepted ?? r.fanout)).toEqual([
      expect.objectContaining({ recorded: 1 }),
      expect.objectContaining({ recorded: 2 }),
    ]);
    const last = results[2] as ResultEnvelope;
    expect(last).toMatchObject({ outcome: 'ok', summary: '8 items, 0 failed' });
    expect((last.items as Item[]).map((i) => i.key)).toEqual(keys);
    expect(fanout(last)).toMatchObject({ run: started.runId, shards: 3, failed: [] });
    expect(h.finished).toHaveLength(1);
    const stored = await h.state.get<Record<string, unknown>>(FanoutKeys.result('fanned', started.runId));
    expect(stored).toMatchObject({ runId: started.runId, outcome: 'ok', summary: '8 items, 0 failed' });
    expect(await h.state.keys(FanoutKeys.openPrefix('fanned'))).toEqual([]);
  });

  it('counts a shard delivered twice once, without doing its work again', async () => {
    const h = harness(keys);
    await h.start();
    const [first, second, third] = h.sent.map((s) => s.payload);
    await h.deliver(first!);
    const again = await h.deliver(first!);
    expect(fanout(again)).toMatchObject({ recorded: 1 });
    expect(h.worked).toHaveLength(1);
    await h.deliver(second!);
    const last = await h.deliver(third!);
    expect((last.items as Item[]).map((i) => i.key)).toEqual(keys);
    expect(await h.deliver(third!, 'continue:late')).toMatchObject({ outcome: 'skipped' });
    expect(h.finished).toHaveLength(1);
  });

  it('leaves a shard that fails retryably to redelivery, and reports one that fails otherwise', async () => {
    const h = harness(keys, {
      fail: new Map<string, Error>([
        ['k0', new DependencyError('store down')],
        ['k4', new BadInputError('cannot be checked')],
      ]),
    });
    const started = await h.start();
    const [first, second, third] = h.sent.map((s) => s.payload);
    const retried = await h.deliver(first!);
    expect(retried.error).toMatchObject({ retryable: true, message: 'store down' });
    expect(fanout(await h.deliver(second!))).toMatchObject({ recorded: 1 });
    expect(fanout(await h.deliver(third!))).toMatchObject({ recorded: 2 });
    expect(h.finished).toEqual([]);
    expect(await h.state.get(FanoutKeys.shard('fanned', started.runId, 1))).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('cannot be checked'),
    });
    expect(await h.state.get(FanoutKeys.shard('fanned', started.runId, 0))).toBeUndefined();
  });

  it('finishes a run past its deadline at the next invocation, each missing shard reported failed', async () => {
    const h = harness(keys, { fail: new Map([['k0', new DependencyError('store down')]]) });
    const started = await h.start();
    for (const { payload } of h.sent) await h.deliver(payload);
    expect(h.finished).toEqual([]);
    h.clock.t += 3_600_000 + 1;
    h.sent.length = 0;
    await h.start();
    expect(h.finished).toHaveLength(1);
    const items = h.finished[0] as Item[];
    expect(items.map((i) => i.key)).toEqual(keys);
    expect(items.slice(0, 3).every((i) => i.status === 'fail' && /no result by the deadline/.test(i.by ?? ''))).toBe(
      true,
    );
    expect(items.slice(3).every((i) => i.status === 'ok')).toBe(true);
    expect(await h.state.get(FanoutKeys.result('fanned', started.runId))).toMatchObject({
      outcome: 'fail',
      fanout: { failed: [0] },
    });
    const audits = h.logs.audits().filter((a) => a.action === 'fanout.finish');
    expect(audits).toHaveLength(1);
  });

  it('ends an overdue run from a shard invocation too, the late shard then finding it finished', async () => {
    const h = harness(keys);
    await h.start();
    const [first, ...rest] = h.sent.map((s) => s.payload);
    for (const payload of rest) await h.deliver(payload);
    h.clock.t += 3_600_000 + 1;
    const late = await h.deliver(first!);
    expect(late.outcome).toBe('skipped');
    expect(h.finished).toHaveLength(1);
    const items = h.finished[0] as Item[];
    expect(items.slice(0, 3).every((i) => i.status === 'fail' && /no result by the deadline/.test(i.by ?? ''))).toBe(
      true,
    );
    expect(h.worked).toHaveLength(2);
  });

  it('finishes a run once though marking its end done failed after its envelope was written', async () => {
    const h = harness(keys);
    const started = await h.start();
    // The state store refuses the claim's completion once (a failover's READONLY), after the envelope was kept.
    const complete = h.state.complete.bind(h.state);
    let refused = 0;
    h.state.complete = async (key, outcome, ttl) => {
      if (key === FanoutKeys.final('fanned', started.runId) && refused++ === 0) throw new DependencyError('READONLY');
      return complete(key, outcome, ttl);
    };
    await finishedOnceThroughTheSweep(h, started.runId);
  });

  it('finishes a run once though tidying up after it failed: an overdue sweep does not finish it again', async () => {
    const h = harness(keys);
    const started = await h.start();
    // The state store drops the delete of the run's open mark, right after the run was finished.
    const remove = h.state.delete.bind(h.state);
    let dropped = 0;
    h.state.delete = async (key) => {
      if (key === FanoutKeys.open('fanned', started.runId) && dropped++ === 0) throw new DependencyError('blip');
      return remove(key);
    };
    await finishedOnceThroughTheSweep(h, started.runId);
    expect(h.logs.audits().filter((a) => a.action === 'fanout.finish')).toHaveLength(1);
  });

  it('reports a shard failed when its message comes back dead-lettered, and the run ends then, not at its deadline', async () => {
    const h = harness(keys, { fail: new Map([['k0', new DependencyError('store down')]]) });
    const started = await h.start();
    const [first, ...rest] = h.sent.map((s) => s.payload);
    for (const payload of rest) await h.deliver(payload);
    expect((await h.deliver(first!)).error).toMatchObject({ retryable: true });
    expect(h.finished).toEqual([]);
    const worked = h.worked.length;
    const dead = await h.deadLetter(first!);
    expect(h.worked).toHaveLength(worked);
    expect(dead).toMatchObject({ outcome: 'fail', fanout: { failed: [0], finished: true } });
    const items = h.finished[0] as Item[];
    expect(items.map((i) => i.key)).toEqual(keys);
    expect(
      items.slice(0, 3).every((i) => i.status === 'fail' && /dead-lettered after 5 deliveries/.test(i.by ?? '')),
    ).toBe(true);
    expect(await h.state.get(FanoutKeys.result('fanned', started.runId))).toMatchObject({ fanout: { failed: [0] } });
  });

  it('sends again a shard dead-lettered unworked (its worker died holding it), and works it once it is free', async () => {
    const h = harness(keys);
    const started = await h.start();
    const [first, ...rest] = h.sent.map((s) => s.payload);
    for (const payload of rest) await h.deliver(payload);
    // An instance died mid-shard: its hold on the shard outlives every redelivery.
    const working = FanoutKeys.working('fanned', started.runId, 0);
    await h.state.lock(working, 600_000);
    expect((await h.deliver(first!)).error).toMatchObject({ kind: 'locked' });
    h.sent.length = 0;
    const dead = await h.deadLetter(first!);
    expect(dead).toMatchObject({
      outcome: 'skipped',
      summary: expect.stringMatching(/dead-lettered unworked, sent again \(1 of 3\)/),
    });
    expect(h.finished).toEqual([]);
    expect(h.sent).toHaveLength(1);
    // The dead instance's hold expires; the re-sent shard is worked and finishes the run, all items ok.
    h.clock.t += 600_001;
    await h.deliver(h.sent[0]!.payload);
    expect(h.finished).toHaveLength(1);
    expect((h.finished[0] as Item[]).every((i) => i.status === 'ok')).toBe(true);
  });

  it('reports a shard that was never worked failed after its re-sends run out', async () => {
    const h = harness(keys);
    const started = await h.start();
    const [first, ...rest] = h.sent.map((s) => s.payload);
    for (const payload of rest) await h.deliver(payload);
    await h.state.lock(FanoutKeys.working('fanned', started.runId, 0), 3_000_000);
    for (let i = 1; i <= 3; i++) {
      expect(await h.deadLetter(first!)).toMatchObject({ outcome: 'skipped' });
    }
    const dead = await h.deadLetter(first!);
    expect(dead).toMatchObject({ outcome: 'fail', fanout: { failed: [0], finished: true } });
    expect((h.finished[0] as Item[])[0]?.by).toMatch(/never worked \(re-sent 3 times/);
    expect(h.worked).toHaveLength(2);
  });

  it('counts a dead-lettered shard that had already reported once, as it reported', async () => {
    const h = harness(keys);
    await h.start();
    const [first] = h.sent.map((s) => s.payload);
    expect(fanout(await h.deliver(first!))).toMatchObject({ recorded: 1 });
    expect(await h.deadLetter(first!)).toMatchObject({ outcome: 'ok', fanout: { recorded: 1 } });
    expect(h.worked).toHaveLength(1);
  });

  it('skips a dead-lettered message of a function that does not take them, with an audit record', async () => {
    const h = harness(keys);
    let ran = false;
    const plain = defineFunction({
      name: 'plain',
      description: 'takes no dead letters',
      triggers: ['scheduled'],
      input: z.strictObject({}),
      async run() {
        ran = true;
        return { outcome: 'ok', summary: 'ran' };
      },
    });
    const envelope = await h.runner(plain, {
      kind: 'scheduled',
      id: 'dead:continue:x',
      job: 'continue:plain',
      scheduledAt: new Date(h.clock.t).toISOString(),
      payload: {},
      deadLettered: { deliveries: 5, subscription: 'opsfn-plain' },
    });
    expect(ran).toBe(false);
    expect(envelope).toMatchObject({ outcome: 'skipped', summary: expect.stringMatching(/^dead-lettered after 5/) });
    expect(h.logs.audits().some((a) => a.decision === 'skipped' && /not worked again/.test(String(a.reason)))).toBe(
      true,
    );
  });

  it('refuses a shard named by a caller instead of a continuation', async () => {
    const h = harness(keys);
    const started = await h.start();
    const forged = await createRunner(createServices({ config: testEstate(), state: h.state, logSink: () => {} }))(
      defineFunction({
        name: 'fanned',
        description: 'forged',
        triggers: ['manual'],
        input: z.strictObject({ shard: ShardRefSchema }),
        run: (ctx, input) => runShard(ctx, input!.shard, {} as Fanout<Item>),
      }),
      { kind: 'manual', id: 'forged', payload: { shard: { run: started.runId, index: 0 } } },
    );
    expect(forged).toMatchObject({ outcome: 'rejected', error: { kind: 'badInput' } });
  });
});
