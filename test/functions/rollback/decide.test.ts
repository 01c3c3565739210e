import { describe, expect, it } from 'vitest';
import { chooseTarget, type DecideInput, decide, judge } from '../../../functions/rollback/decide.js';
import type { ServiceStatus } from '../../../shared/adapters/platforms/service-platform.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function status(overrides: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    platform: 'cloud-run',
    target: 'projects/p/locations/l/services/web',
    ready: true,
    serving: 'web-00003-c',
    traffic: [{ revision: 'web-00003-c', percent: 100 }],
    revisions: [
      { name: 'web-00003-c', createdAt: ago(10), ready: true, percent: 100, number: 3 },
      { name: 'web-00002-b', createdAt: ago(600), ready: true, percent: 0, number: 2 },
      { name: 'web-00001-a', createdAt: ago(6000), ready: true, percent: 0, number: 1 },
    ],
    ...overrides,
  };
}

const base: DecideInput = {
  policy: {
    threshold: { kind: 'ratio', ratio: 0.01 },
    minRequests: 100,
    recentDeployMs: 2 * 3_600_000,
    onInconclusive: 'hold',
  },
  status: status(),
  current: { sample: { ratio: 0.2, total: 1000, errors: 200 } },
  previous: { sample: { ratio: 0.001, total: 1000, errors: 1 } },
  bad: [],
  now: NOW,
};

describe('judge', () => {
  const rate = { ...base.policy, threshold: { kind: 'rate' as const, perSecond: 0.01 } };

  it.each([
    [{ sample: { perSecond: 0.02, total: 600 } }, 'high', '5xx rate 0.02/s over 600 requests > threshold 0.01/s'],
    [{ sample: { perSecond: 0.005, total: 600 } }, 'low', '5xx rate 0.005/s over 600 requests ≤ threshold 0.01/s'],
    // At the threshold exactly is not above it: the runbooks' alerts compare `> 0.01`, COMPARISON_GREATER_THAN.
    [{ sample: { perSecond: 0.01, total: 600 } }, 'low', '5xx rate 0.01/s over 600 requests ≤ threshold 0.01/s'],
    [{ sample: { ratio: 0.5, total: 600 } }, 'unknown', 'the metrics source gives no 5xx rate'],
  ])('judges %j against a rate threshold', (reading, state, reason) => {
    expect(judge(reading, rate)).toEqual({ state, reason });
  });

  it('judges a share of requests against a ratio threshold, and says so when the source gives only a rate', () => {
    expect(judge({ sample: { ratio: 0.2, total: 1000 } }, base.policy)).toEqual({
      state: 'high',
      reason: 'error ratio 20.00% over 1000 requests > threshold 1.00%',
    });
    expect(judge({ sample: { perSecond: 3, total: 1000 } }, base.policy).reason).toBe(
      'the metrics source gives no error ratio',
    );
  });
});

describe('decide', () => {
  it.each([
    ['confirmed error rate on a recent deploy', {}, 'rollback', 'confirmed', 'web-00002-b'],
    [
      'error rate under the threshold',
      { current: { sample: { ratio: 0.005, total: 1000 } } },
      'none',
      'recovered',
      undefined,
    ],
    ['no metrics data', { current: {} }, 'page', 'inconclusive', undefined],
    ['a metrics API error', { current: { error: 'HTTP 503' } }, 'page', 'inconclusive', undefined],
    ['too few requests', { current: { sample: { ratio: 0.5, total: 20 } } }, 'page', 'inconclusive', undefined],
    [
      'inconclusive with onInconclusive=rollback',
      { current: {}, policy: { ...base.policy, onInconclusive: 'rollback' as const } },
      'rollback',
      'inconclusive-rollback',
      'web-00002-b',
    ],
    [
      'a serving revision older than recentDeploy',
      {
        status: status({ revisions: status().revisions.map((r, i) => (i === 0 ? { ...r, createdAt: ago(180) } : r)) }),
      },
      'page',
      'not-the-deploy',
      undefined,
    ],
    [
      'a previous revision that failed too',
      { previous: { sample: { ratio: 0.3, total: 500 } } },
      'page',
      'previous-unhealthy',
      'web-00002-b',
    ],
    ['a previous revision without data', { previous: {} }, 'rollback', 'confirmed', 'web-00002-b'],
    ['the previous revision marked bad', { bad: ['web-00002-b'] }, 'rollback', 'confirmed', 'web-00001-a'],
    [
      'a newer earlier revision that never served',
      { unproven: ['web-00002-b'] },
      'rollback',
      'confirmed',
      'web-00001-a',
    ],
    ['every earlier revision marked bad', { bad: ['web-00002-b', 'web-00001-a'] }, 'page', 'no-target', undefined],
    [
      'a chain mark from an earlier rollback',
      { chain: { at: ago(5), from: 'web-00004-d', to: 'web-00003-c', incident: 'i1' } },
      'page',
      'chain',
      undefined,
    ],
    [
      'a chain mark older than the serving deploy',
      { chain: { at: ago(30), from: 'web-00002-b', to: 'web-00001-a', incident: 'i1' }, bad: ['web-00002-b'] },
      'rollback',
      'confirmed',
      'web-00001-a',
    ],
    [
      'an alert for a revision that no longer serves',
      { alertRevision: 'web-00009-z' },
      'none',
      'not-serving',
      undefined,
    ],
    ['nothing serving', { status: status({ serving: undefined, traffic: [] }) }, 'page', 'no-target', undefined],
    [
      'a failing canary named by the alert',
      {
        alertRevision: 'web-00003-c',
        status: status({
          serving: 'web-00002-b',
          traffic: [
            { revision: 'web-00002-b', percent: 90 },
            { revision: 'web-00003-c', percent: 10 },
          ],
        }),
      },
      'rollback',
      'confirmed',
      'web-00002-b',
    ],
  ])('decides on %s', (_name, overrides, kind, verdict, to) => {
    const decision = decide({ ...base, ...overrides } as DecideInput);
    expect(decision.kind).toBe(kind);
    expect(decision.verdict).toBe(verdict);
    if (to !== undefined) expect('to' in decision ? decision.to : undefined).toBe(to);
    expect(decision.reasons.length).toBeGreaterThan(0);
  });

  it('explains the confirmation in its reasons', () => {
    const decision = decide(base);
    expect(decision.reasons.join('\n')).toMatch(/error ratio 20\.00% over 1000 requests > threshold 1\.00%/);
  });
});

describe('chooseTarget', () => {
  it('skips revisions that are not Ready', () => {
    const s = status({
      revisions: status().revisions.map((r) => (r.name === 'web-00002-b' ? { ...r, ready: false } : r)),
    });
    expect(chooseTarget(s, [])?.name).toBe('web-00001-a');
  });

  it('never picks a revision newer than the serving one', () => {
    const s = status({ serving: 'web-00002-b', traffic: [{ revision: 'web-00002-b', percent: 100 }] });
    expect(chooseTarget(s, [])?.name).toBe('web-00001-a');
  });

  it('never picks the ReplicaSet a rollout undo moved away from, though undo gave it the lower number', () => {
    // app:1 deployed at 08:30 (revision 1), app:2 at 09:50 (revision 2) failed, then someone ran `kubectl rollout
    // undo`: app:1's ReplicaSet serves again as revision 3, its creation time unchanged.
    const undone = status({
      platform: 'kubernetes',
      serving: 'backend-h17',
      traffic: [{ revision: 'backend-h17', percent: 100 }],
      revisions: [
        { name: 'backend-h17', number: 3, createdAt: '2026-12-04T08:30:00Z', ready: true, percent: 100 },
        { name: 'backend-h27', number: 2, createdAt: '2026-12-04T09:50:00Z', ready: true, percent: 0 },
      ],
    });
    expect(chooseTarget(undone, [])).toBeUndefined();
    // Before the undo the same two are an ordinary step back.
    const deployed = status({
      platform: 'kubernetes',
      serving: 'backend-h27',
      traffic: [{ revision: 'backend-h27', percent: 100 }],
      revisions: [
        { name: 'backend-h27', number: 2, createdAt: '2026-12-04T09:50:00Z', ready: true, percent: 100 },
        { name: 'backend-h17', number: 1, createdAt: '2026-12-04T08:30:00Z', ready: true, percent: 0 },
      ],
    });
    expect(chooseTarget(deployed, [])?.name).toBe('backend-h17');
  });
});
