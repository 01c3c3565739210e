import { describe, expect, it } from 'vitest';
import { configIssues } from '../../../support/estate.js';

describe('guard config', () => {
  it.each([
    // A weekday range that wraps (fri-mon) is no range to croner: every action would fail on it, dry runs too.
    ['guard: { freezeWindows: [ { cron: "0 22 * * fri-mon", duration: 2d } ] }', 'guard.freezeWindows[0]'],
    // croner's extensions are not unix-cron: `@daily`, `L`, an ISO date that would freeze once.
    ['guard: { freezeWindows: [ { cron: "0 22 L * *", duration: 2d } ] }', 'guard.freezeWindows[0]'],
    ['guard: { freezeWindows: [ { cron: "2027-01-01T02:00:00", duration: 2d } ] }', 'guard.freezeWindows[0]'],
    ['guard: { freezeWindows: [ { cron: "@daily", duration: 2h } ] }', 'guard.freezeWindows[0]'],
    [
      'guard: { freezeWindows: [ { start: "2026-12-24T18:00:00+08:00", end: "2026-12-04T08:00:00+08:00" } ] }',
      'guard.freezeWindows[0]',
    ],
  ])('rejects %s naming %s', async (text, expected) => {
    expect((await configIssues(text)).join('\n')).toContain(expected);
  });

  it('accepts a weekend freeze written as unix-cron, and a window that ends after it starts', async () => {
    expect(
      await configIssues(
        'guard: { freezeWindows: [ { cron: "0 22 * * fri", duration: 60h }, { start: "2026-12-24T18:00:00+08:00", end: "2026-12-27T08:00:00+08:00" } ] }',
      ),
    ).toEqual([]);
  });

  it('defaults to a breaker the default global rate limit can reach: it counts only actions that limit let through', async () => {
    const { EstateSchema } = await import('../../../../functions/estate.js');
    const { guard } = EstateSchema.parse({});
    const passable = guard.rateLimit.global.max * Math.ceil(guard.breaker.window / guard.rateLimit.global.window);
    expect(guard.breaker.max).toBeLessThanOrEqual(passable);
  });
});
