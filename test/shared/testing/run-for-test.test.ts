import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../shared/core/run/define-function.js';
import * as z from '../../../shared/core/schema/index.js';
import {
  alertTrigger,
  createTestRunner,
  manualTrigger,
  runForTest,
  scheduledTrigger,
  testClock,
} from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../support/mutate-function.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

const reporter = defineFunction({
  name: 'reporter',
  description: 'notifies, then mutates once with a ten-minute cooldown',
  triggers: ['manual', 'alert', 'scheduled'],
  input: z.object({ title: z._default(z.string(), 'finding') }),
  async run(ctx, input) {
    await ctx.notify({ severity: 'warning', title: input?.title ?? ctx.trigger.id, text: 'seen' });
    const outcome = await ctx.act('restart', 'web', async () => 'restarted', { cooldownMs: 600_000 });
    return { outcome: 'ok', summary: `${outcome.status} at ${ctx.now().toISOString()}` };
  },
});

describe('runForTest', () => {
  it('returns the envelope with the notifications the run sent and the audit records it wrote', async () => {
    const { envelope, sent, audits, logs } = await runForTest(reporter, manualTrigger({ title: 'disk full' }), {
      estate: testEstate(),
    });
    expect(envelope).toMatchObject({ function: 'reporter', outcome: 'ok', actions: [{ status: 'done' }] });
    expect(envelope.notifications).toEqual([{ channel: 'test', ok: true, attempts: 1 }]);
    expect(sent).toMatchObject([{ severity: 'warning', title: 'disk full', function: 'reporter' }]);
    expect(audits.map((a) => a.decision)).toEqual(['received', 'notified', 'intent', 'done', 'finished']);
    expect(audits.every((a) => a.runId === envelope.runId)).toBe(true);
    expect(logs.length).toBeGreaterThanOrEqual(audits.length);
  });

  it('runs without a notifier when given null, as a runtime with no channel does', async () => {
    const { envelope, sent, audits } = await runForTest(reporter, manualTrigger(), {
      estate: testEstate(),
      notifier: null,
    });
    expect(envelope.notifications).toEqual([]);
    expect(sent).toEqual([]);
    expect(audits.some((a) => a.decision === 'notified')).toBe(false);
  });

  it('passes the run options on: dry-run calls nothing and says so', async () => {
    const calls: CallLog = new Map();
    const { envelope, state } = await runForTest(makeMutateFunction(calls), manualTrigger({ target: 'api' }), {
      estate: testEstate(),
      dryRun: true,
      runId: 'r-dry',
    });
    expect(envelope).toMatchObject({ runId: 'r-dry', dryRun: true, actions: [{ status: 'dry-run' }] });
    expect(calls.size).toBe(0);
    expect(await state.keys('cooldown:')).toEqual([]);
  });

  it('rejects a payload the input schema refuses, with no action, like the runtime', async () => {
    const { envelope, audits } = await runForTest(reporter, manualTrigger({ title: 7 }), { estate: testEstate() });
    expect(envelope).toMatchObject({ outcome: 'rejected', error: { status: 400 }, actions: [] });
    expect(audits.map((a) => a.decision)).toEqual(['received', 'rejected']);
  });
});

describe('createTestRunner', () => {
  it('shares state and the clock between runs: a cooldown holds until the clock has moved past it', async () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const runner = createTestRunner(reporter, { estate: testEstate(), now: clock.now });
    expect((await runner.run(scheduledTrigger())).envelope.summary).toBe('done at 2026-03-01T10:00:00.000Z');
    clock.advance(5 * 60_000);
    expect((await runner.run(scheduledTrigger())).envelope.summary).toBe('refused at 2026-03-01T10:05:00.000Z');
    clock.advance(6 * 60_000);
    const third = await runner.run(scheduledTrigger());
    expect(third.envelope.summary).toBe('done at 2026-03-01T10:11:00.000Z');
    expect(third.sent).toHaveLength(1);
    expect(runner.sent).toHaveLength(3);
    expect(third.audits.every((a) => a.runId === third.envelope.runId)).toBe(true);
    expect(runner.audits().filter((a) => a.decision === 'finished')).toHaveLength(3);
  });

  it('keeps each run’s own records apart when runs overlap', async () => {
    const runner = createTestRunner(reporter, { estate: testEstate() });
    const runs = await Promise.all(['a', 'b', 'c'].map((title) => runner.run(manualTrigger({ title }))));
    expect(runs.map((r) => r.sent.map((m) => m.title))).toEqual([['a'], ['b'], ['c']]);
    for (const r of runs) expect(new Set(r.audits.map((a) => a.runId))).toEqual(new Set([r.envelope.runId]));
  });

  it('answers a redelivered trigger as a duplicate without running it again', async () => {
    const calls: CallLog = new Map();
    const runner = createTestRunner(makeMutateFunction(calls), { estate: testEstate() });
    const alert = alertTrigger('HighErrorRate', { labels: { service: 'web' } });
    const first = await runner.run(alert);
    const again = await runner.run(alert);
    expect(again.envelope).toMatchObject({ duplicate: true, runId: first.envelope.runId });
    expect(calls.get('web')).toBe(1);
  });
});

describe('the trigger builders', () => {
  it('make a new delivery on every call unless given an id', () => {
    expect(manualTrigger().id).not.toBe(manualTrigger().id);
    expect(scheduledTrigger({}, { id: 's1' }).id).toBe('s1');
    const alert = alertTrigger('WebLatency', { state: 'resolved', labels: { service: 'web' }, fingerprint: 'f1' });
    expect(alert.alert).toMatchObject({
      name: 'WebLatency',
      state: 'resolved',
      fingerprint: 'f1',
      labels: { alertname: 'WebLatency', service: 'web' },
    });
    expect(alert.id).toMatch(/^alert:f1:resolved:/);
  });
});

describe('the opsfn/testing entry', () => {
  it('is exported from the package as the built shared/testing entry, with its types', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { declaration?: boolean };
      include: string[];
    };
    expect(pkg.exports['./testing']).toEqual({
      types: './dist/shared/testing/index.d.ts',
      default: './dist/shared/testing/index.js',
    });
    expect(build.include).toContain('shared');
    expect(build.compilerOptions.declaration).toBe(true);
  });

  it('documents itself with the example test as it runs', () => {
    const readme = readFileSync(join(ROOT, 'shared/testing/README.md'), 'utf8');
    const example = readFileSync(join(ROOT, 'test/shared/testing/example.test.ts'), 'utf8');
    const shown = /<!-- example:start -->\n```ts\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme)?.[1];
    expect(shown).toBe(example);
  });
});
