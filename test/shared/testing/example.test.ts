import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineFunction } from '../../../shared/core/run/index.js';
import { alertTrigger, createTestRunner, runForTest, testClock } from '../../../shared/testing/index.js';
import { testEstate } from '../../support/estate.js';

// The function under test restarts the service an alert names, at most once in ten minutes, and says so.
const restarted: string[] = [];
const restartOnAlert = defineFunction({
  name: 'restartOnAlert',
  description: 'restarts the service an alert names',
  triggers: ['alert'],
  input: z.object({}),
  async run(ctx) {
    const service = ctx.trigger.kind === 'alert' ? (ctx.trigger.alert.labels.service ?? 'none') : 'none';
    const restart = async () => void restarted.push(service);
    const outcome = await ctx.act('restart', service, restart, { cooldownMs: 10 * 60_000 });
    if (outcome.status === 'done') await ctx.notify({ severity: 'info', title: `restarted ${service}`, text: '' });
    return { outcome: 'ok', summary: `${outcome.status} ${service}` };
  },
});

const webDown = () => alertTrigger('WebDown', { labels: { service: 'web' } });

describe('restartOnAlert', () => {
  it('restarts the service the alert names and tells people', async () => {
    const { envelope, sent, audits } = await runForTest(restartOnAlert, webDown(), { estate: testEstate() });
    expect(envelope).toMatchObject({ outcome: 'ok', summary: 'done web' });
    expect(envelope.actions).toMatchObject([{ action: 'restart', target: 'web', status: 'done' }]);
    expect(sent).toMatchObject([{ severity: 'info', title: 'restarted web' }]);
    expect(audits.map((a) => a.decision)).toEqual(['received', 'intent', 'done', 'notified', 'finished']);
  });

  it('only says what it would do in dry-run', async () => {
    const before = restarted.length;
    const { envelope, sent } = await runForTest(restartOnAlert, webDown(), { estate: testEstate(), dryRun: true });
    expect(envelope.summary).toBe('dry-run web');
    expect(sent).toEqual([]);
    expect(restarted).toHaveLength(before);
  });

  it('restarts once per cooldown, by the clock the test moves', async () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const runner = createTestRunner(restartOnAlert, { estate: testEstate(), now: clock.now });
    expect((await runner.run(webDown())).envelope.summary).toBe('done web');
    clock.advance(5 * 60_000);
    const held = await runner.run(webDown());
    expect(held.envelope.actions).toMatchObject([{ status: 'refused', by: 'cooldown' }]);
    clock.advance(6 * 60_000);
    expect((await runner.run(webDown())).envelope.summary).toBe('done web');
    expect(runner.sent).toHaveLength(2);
  });
});
