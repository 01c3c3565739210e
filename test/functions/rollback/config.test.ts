import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EstateSchema } from '../../../functions/estate.js';
import { formatZodIssues } from '../../../shared/core/config/zod-issues.js';

const parse = (policies: unknown[]) => EstateSchema.safeParse({ rollback: { policies } });

describe('rollback config', () => {
  it('fills the documented defaults and reads a percentage threshold', () => {
    const result = parse([{ match: { alert: 'HighErrorRate' }, errorRate: { threshold: '1%' } }]);
    expect(result.success && result.data.rollback?.policies[0]).toEqual({
      match: { alert: 'HighErrorRate' },
      errorRate: { threshold: { kind: 'ratio', ratio: 0.01 }, window: 300_000, minRequests: 100 },
      recentDeploy: 7_200_000,
      settle: 180_000,
      cooldown: 1_800_000,
      onInconclusive: 'hold',
    });
  });

  it.each([
    ['0.01/s', { kind: 'rate', perSecond: 0.01 }],
    ['6/m', { kind: 'rate', perSecond: 0.1 }],
    ['5%', { kind: 'ratio', ratio: 0.05 }],
    [0.05, { kind: 'ratio', ratio: 0.05 }],
  ])('reads the threshold %j', (threshold, parsed) => {
    const result = parse([{ match: { alert: 'HighErrorRate' }, errorRate: { threshold } }]);
    expect(result.success && result.data.rollback?.policies[0]?.errorRate.threshold).toEqual(parsed);
  });

  it.each([
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: '0.01/s', probe: { url: 'http://api/health' } } }],
      'rollback.policies[0].errorRate.threshold: a probe counts its own requests',
    ],
    [
      // 5m to confirm, 3m settling and 3m verifying, and the change: past the 9-minute run.
      [{ match: { alert: 'a' }, errorRate: { threshold: '5%', minRequests: 10, probe: { url: 'http://api/health' } } }],
      'rollback.policies[0].errorRate.window: a probe samples in real time: window (5m) + 2 × settle (3m) + 1m for the change is 12m, past limits.timeout (9m); shorten them',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: '0/s' } }],
      'rollback.policies[0].errorRate.threshold: expected',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: '1%', query: 'x', totalQuery: 'y' } }],
      'rollback.policies[0].errorRate.query: expected endpoints.prometheus',
    ],
    [
      [{ match: {}, errorRate: { threshold: 0.1 } }],
      'rollback.policies[0].match: expected at least one of "alert", "policy" or a non-empty "labels"',
    ],
    [
      // An empty labels map narrows nothing: the policy would answer every alert.
      [{ match: { labels: {} }, errorRate: { threshold: 0.1 } }],
      'rollback.policies[0].match: expected at least one of "alert", "policy" or a non-empty "labels"',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: 5 } }],
      'rollback.policies[0].errorRate.threshold: expected a share of requests like "5%" or 0.05',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: 0.1, query: 'x' } }],
      'rollback.policies[0].errorRate.totalQuery: expected "totalQuery"',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: 0.1 }, settle: 'soon' }],
      'rollback.policies[0].settle: expected duration',
    ],
    [
      [{ match: { alert: 'a' }, errorRate: { threshold: 0.1 }, onInconclusive: 'maybe' }],
      'rollback.policies[0].onInconclusive',
    ],
  ])('rejects %j naming the path', (policies, message) => {
    const result = parse(policies);
    expect(result.success).toBe(false);
    if (!result.success) expect(formatZodIssues(result.error).join('\n')).toContain(message);
  });

  it('fits the change, the settle time and what Cloud Monitoring takes to show it in the run, on Cloud Run', () => {
    const estate = (settle: string, extra: Record<string, unknown> = {}, service: string | undefined = 'web') =>
      EstateSchema.safeParse({
        services: {
          web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' },
          api: { platform: 'kubernetes', namespace: 'prod', deployment: 'api' },
        },
        rollback: {
          policies: [
            { match: { alert: 'a' }, ...(service ? { service } : {}), errorRate: { threshold: '1%' }, settle },
          ],
        },
        ...extra,
      });
    const refused = estate('4m');
    expect(refused.success).toBe(false);
    if (!refused.success) {
      expect(formatZodIssues(refused.error).join('\n')).toContain(
        'rollback.policies[0].settle: on Cloud Run, up to 2m for the change + settle (4m) + the 3m Cloud Monitoring may take to show it (endpoints.monitoring.visibleAfter) is 9m, not less than limits.timeout (9m)',
      );
    }
    // A service named by the alert's labels is measured the same way when the policy has neither query nor probe.
    expect(estate('4m', {}, undefined).success).toBe(false);
    // The same settle fits a stand-in that shows counts at once, or a run given more time; the default fits.
    expect(estate('4m', { endpoints: { monitoring: { url: 'http://127.0.0.1:1', visibleAfter: '0s' } } }).success).toBe(
      true,
    );
    expect(estate('4m', { limits: { timeout: '10m' } }).success).toBe(true);
    expect(estate('3m').success).toBe(true);
    // A Kubernetes service is not measured by Cloud Monitoring: only its settle must fit.
    expect(estate('8m', {}, 'api').success).toBe(true);
  });

  it('gives the deployed function time for the longest rollout wait plus the default settle and verification', () => {
    const main = readFileSync(new URL('../../../terraform/main.tf', import.meta.url), 'utf8');
    const seconds = Number(/^\s*rollback\s*=\s*\{[^}]*timeout_seconds\s*=\s*(\d+)/m.exec(main)?.[1]);
    const defaults = EstateSchema.parse({
      rollback: { policies: [{ match: { alert: 'a' }, errorRate: { threshold: 0.1 } }] },
    });
    const settle = defaults.rollback?.policies[0]?.settle ?? 0;
    // A Kubernetes rollout may take 5 min (a Cloud Run operation 2 min); reads and notifications get 1 min.
    expect(seconds * 1000).toBeGreaterThanOrEqual(300_000 + settle + 60_000);
    // On Cloud Run the verification also waits the 3 min Cloud Monitoring may take to show the settle window.
    expect(seconds * 1000).toBeGreaterThanOrEqual(120_000 + settle + 180_000 + 60_000);
    // The runtime's own run limit must end the run before the platform kills it.
    expect(seconds * 1000).toBeGreaterThanOrEqual(defaults.limits.timeout);
  });
});
