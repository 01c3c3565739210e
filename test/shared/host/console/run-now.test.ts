import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { runNow } from '../../../../shared/host/console/pages/run.js';
import { REDELIVER_PREFIX } from '../../../../shared/host/runtime/drain.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';

/** Counts real runs; a real run of a payload with `wait` holds until it is aborted. */
function acting(real: string[]) {
  return defineFunction<{ wait?: boolean }>({
    name: 'act',
    description: 'acts for real unless a dry run',
    triggers: ['manual'],
    input: z.object({ wait: z.optional(z.boolean()) }),
    async run(ctx, input) {
      if (!ctx.dryRun) real.push(ctx.runId);
      if (input?.wait && !ctx.dryRun) {
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      }
      return { outcome: 'ok', summary: 'done' };
    },
  });
}

/** A runtime over memory state running `acting`, and the run-now context of a signed-in caller. */
async function signedIn() {
  const real: string[] = [];
  const state = new MemoryStateStore();
  const runtime = await createRuntime({
    config: testEstate(),
    functions: [acting(real)],
    state,
    logSink: captureLogs().sink,
  });
  return { real, state, runtime, ctx: { runtime, caller: 'token:alice', may: () => true } };
}

describe("the console's run now", () => {
  it('runs a dry run for real once, however many requests come at once', async () => {
    const { real, ctx } = await signedIn();
    const dry = await runNow(ctx, { function: 'act', mode: 'dry-run', payload: '{}' });
    const after = dry.split('/').pop() as string;
    const results = await Promise.allSettled([1, 2, 3].map(() => runNow(ctx, { function: 'act', mode: 'run', after })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { message: 'this dry run has already been run for real: run it dry again' },
    });
    expect(real).toHaveLength(1);
  });

  it('does not store a real run a shutdown interrupted for the next start: the person saw it fail', async () => {
    const { real, state, runtime, ctx } = await signedIn();
    const dry = await runNow(ctx, { function: 'act', mode: 'dry-run', payload: '{"wait":true}' });
    const running = runNow(ctx, { function: 'act', mode: 'run', after: dry.split('/').pop() as string });
    while (real.length === 0) await new Promise((r) => setTimeout(r, 5));
    const report = await runtime.drain({ graceMs: 20, abortGraceMs: 20 });
    expect(report.interrupted).toHaveLength(1);
    await running;
    expect(await state.keys(REDELIVER_PREFIX)).toEqual([]);
  });
});
