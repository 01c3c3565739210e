import { afterEach, describe, expect, it } from 'vitest';
import { ScheduleSchema } from '../../../../shared/core/config/schedule.js';
import { DependencyError } from '../../../../shared/core/errors/index.js';
import type { Trigger } from '../../../../shared/core/events/trigger.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { type Scheduler, startScheduler } from '../../../../shared/host/runtime/scheduler.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';

const running: Scheduler[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function schedule(run: (trigger: Trigger) => Promise<void>, job: Record<string, unknown>) {
  const fn = defineFunction({
    name: 'tick',
    description: '',
    triggers: ['scheduled'],
    input: z.record(z.string(), z.unknown()),
    async run(ctx) {
      await run(ctx.trigger);
      return { outcome: 'ok', summary: 'ticked' };
    },
  });
  const logs = captureLogs();
  const runtime = await createRuntime({
    config: testEstate({ timezone: 'Asia/Shanghai' }),
    functions: [fn],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    logSink: logs.sink,
  });
  const scheduler = startScheduler(runtime, [ScheduleSchema.parse({ name: 'tick-job', function: 'tick', ...job })]);
  running.push(scheduler);
  return { scheduler, logs };
}

describe('startScheduler', () => {
  it('runs a job as a scheduled trigger with its payload and reports its next run', async () => {
    const seen: Trigger[] = [];
    const { scheduler } = await schedule(async (t) => void seen.push(t), {
      schedule: '* * * * * *',
      payload: { only: ['a'] },
    });
    expect(scheduler.jobs[0]).toMatchObject({ name: 'tick-job', function: 'tick' });
    expect(scheduler.jobs[0]?.next).toBeInstanceOf(Date);
    await sleep(2_300);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]).toMatchObject({ kind: 'scheduled', job: 'tick-job', payload: { only: ['a'] } });
    expect(seen[0]?.id).toMatch(/^local:tick-job:/);
  });

  it('names a tick by the instant it was due, though its timer fired a second late', async () => {
    const seen: Trigger[] = [];
    await schedule(async (t) => void seen.push(t), { schedule: '*/2 * * * * *' });
    // Hold the event loop from 100 ms before the next even second for 1.3 s: that tick fires in the odd second.
    let wait = 2_000 - (Date.now() % 2_000) - 100;
    if (wait < 200) wait += 2_000;
    await sleep(wait);
    const before = seen.length;
    const due = new Date(Math.ceil(Date.now() / 2_000) * 2_000).toISOString();
    const until = Date.now() + 1_300;
    while (Date.now() < until) {
      // busy: a long GC pause or CPU-bound work
    }
    for (let i = 0; i < 60 && seen.length === before; i++) await sleep(50);
    const late = seen[before] as Extract<Trigger, { kind: 'scheduled' }> | undefined;
    expect(late?.scheduledAt).toBe(due);
    expect(late?.id).toBe(`local:tick-job:${due}`);
  });

  it('skips a tick while the previous run of the same job is still going, and audits the skip', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const { logs } = await schedule(
      async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(2_500);
        active--;
      },
      { schedule: '* * * * * *' },
    );
    await sleep(3_300);
    expect(maxActive).toBe(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(logs.audits().some((a) => a.decision === 'rejected' && String(a.reason).includes('still going'))).toBe(true);
  });

  it('retries a retryable failure with the job backoff', async () => {
    let attempts = 0;
    await schedule(
      async () => {
        attempts++;
        if (attempts === 1) throw new DependencyError('API 503');
      },
      { schedule: '0 0 1 1 *', retry: { count: 2, minBackoff: '50ms', maxBackoff: '100ms' } },
    );
    // Not due for months: trigger the job by hand through croner's own API.
    const scheduler = running[0]!;
    expect(scheduler.jobs[0]?.next?.getUTCFullYear()).toBeGreaterThanOrEqual(2026);
    await scheduler.trigger('tick-job');
    expect(attempts).toBe(2);
  });

  it('leaves out paused jobs and jobs of unknown functions', async () => {
    const { scheduler } = await schedule(async () => {}, { schedule: '* * * * *', paused: true });
    expect(scheduler.jobs).toEqual([]);
  });
});
