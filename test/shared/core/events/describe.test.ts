import { describe, expect, it } from 'vitest';
import { describeTrigger, parseRequest, type Trigger } from '../../../../shared/core/events/index.js';
import { fixtureRequest, intakeOptions } from './load-fixture.js';

describe('describeTrigger', () => {
  it.each([
    [
      'cloud-monitoring/open',
      'alert cloud-monitoring "web 5xx rate" firing since 2026-01-01T00:00:00.000Z (cm:0.opqiw61fsv7p:open)',
    ],
    [
      'alertmanager/resolved',
      'alert alertmanager "HighErrorRate" resolved ended 2026-01-01T10:25:00.000Z (am:c6eadffa33fcdf37:2026-01-01T10:00:00.000Z:resolved)',
    ],
    ['pubsub-push/scheduler', 'scheduled job "backup-verify-daily" at 2026-11-22T02:00:00.104Z (ps:12)'],
    ['manual/scale', 'manual (manual:fresh-id)'],
  ])('describes %s in one line', (name, line) => {
    const [trigger] = parseRequest(fixtureRequest(name), intakeOptions).triggers;
    expect(trigger && describeTrigger(trigger)).toBe(line);
  });

  it('names the caller of a manual run', () => {
    expect(describeTrigger({ kind: 'manual', id: 'manual:k', payload: {}, caller: 'oncall@example.com' })).toBe(
      'manual by oncall@example.com (manual:k)',
    );
  });

  it('says a scheduled message came back dead-lettered, after how many deliveries and from where', () => {
    const trigger: Trigger = {
      kind: 'scheduled',
      id: 'dead:continue:r:shard:1:ab',
      job: 'continue:certExpiry',
      scheduledAt: '2026-01-01T00:00:00.000Z',
      payload: {},
      deadLettered: { deliveries: 5, subscription: 'cert-expiry-shards-cert-expiry' },
    };
    expect(describeTrigger(trigger)).toBe(
      'scheduled job "continue:certExpiry" at 2026-01-01T00:00:00.000Z (dead:continue:r:shard:1:ab, dead-lettered after 5 deliveries to cert-expiry-shards-cert-expiry)',
    );
  });

  it('strips control characters and truncates long names from the sender', () => {
    const trigger: Trigger = {
      kind: 'scheduled',
      id: 'ps:1',
      job: `evil\nINFO forged line\u2028${'x'.repeat(300)}`,
      scheduledAt: '2026-01-01T00:00:00.000Z',
      payload: {},
    };
    const line = describeTrigger(trigger);
    expect(line).not.toMatch(/[\n\u2028]/);
    expect(line).toContain('evil INFO forged line x');
    expect(line.length).toBeLessThan(200);
  });
});
