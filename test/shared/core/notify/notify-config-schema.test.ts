import { describe, expect, it } from 'vitest';
import { NotifyConfigSchema } from '../../../../shared/core/config/sections/estate-common.js';
import { formatZodIssues } from '../../../../shared/core/config/zod-issues.js';

describe('NotifyConfigSchema', () => {
  it('applies the defaults: no channels, no routes, 5s timeout, 3 retries', () => {
    expect(NotifyConfigSchema.parse({})).toEqual({ channels: {}, routes: [], timeout: 5_000, retries: 3 });
  });

  it('names the route entry that points at an undefined channel', () => {
    const parsed = NotifyConfigSchema.safeParse({
      channels: { ops: { type: 'slack', url: { env: 'SLACK_URL' } } },
      routes: [{ severity: 'critical', channels: ['ops', 'pagr'] }],
    });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(formatZodIssues(parsed.error, 'notify')).toEqual([
      'notify.routes[0].channels[1]: unknown channel "pagr" (known: ops)',
    ]);
  });

  it('refuses a secret written inline instead of a reference', () => {
    const parsed = NotifyConfigSchema.safeParse({
      channels: { ops: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' } },
    });
    expect(parsed.success).toBe(false);
  });
});
