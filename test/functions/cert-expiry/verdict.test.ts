import { describe, expect, it } from 'vitest';
import type { CertItem } from '../../../functions/cert-expiry/types.js';
import {
  expiryLevel,
  type Findings,
  isOldProtocol,
  isWeakKey,
  judgeChainExpiry,
  markInconsistent,
  problemList,
  statusOf,
} from '../../../functions/cert-expiry/verdict.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
const T = { warnDays: 30, criticalDays: 7 };
const cert = (lifetimeDays: number, leftDays: number) => ({
  notBefore: new Date(NOW.getTime() - (lifetimeDays - leftDays) * DAY),
  notAfter: new Date(NOW.getTime() + leftDays * DAY),
});

describe('expiryLevel', () => {
  it.each([
    [365, 200, undefined],
    [365, 29, 'warn'],
    [365, 6, 'critical'],
    [365, -1, 'expired'],
    [47, 20, undefined],
    [47, 15, 'warn'],
    [47, 5, 'warn'],
    [47, 4, 'critical'],
    [90, 29, 'warn'],
    [90, 31, undefined],
    [10, 3, 'warn'],
  ] as const)('judges a %i-day certificate with %i days left as %s', (lifetime, left, level) => {
    const c = cert(lifetime, left);
    expect(expiryLevel(c.notBefore, c.notAfter, NOW, T)).toBe(level);
  });

  it('says not-yet-valid before notBefore', () => {
    expect(expiryLevel(new Date(NOW.getTime() + DAY), new Date(NOW.getTime() + 90 * DAY), NOW, T)).toBe(
      'not-yet-valid',
    );
  });

  it('follows configured thresholds below the lifetime fractions', () => {
    const c = cert(365, 20);
    expect(expiryLevel(c.notBefore, c.notAfter, NOW, { warnDays: 14, criticalDays: 3 })).toBeUndefined();
  });
});

describe('judgeChainExpiry', () => {
  it('gives chain-expiring at the worst level of any chain certificate', () => {
    const findings: Findings = new Map();
    judgeChainExpiry(findings, [cert(1825, 1000), cert(3650, 20), cert(365, 2)], NOW, T);
    expect([...findings]).toEqual([['chain-expiring', 'critical']]);
  });

  it('leaves a healthy chain alone', () => {
    const findings: Findings = new Map();
    judgeChainExpiry(findings, [cert(1825, 1000)], NOW, T);
    expect(findings.size).toBe(0);
  });
});

describe('key, protocol and status rules', () => {
  it.each([
    ['rsa', 1024, true],
    ['rsa', 2048, false],
    ['rsa-pss', 1536, true],
    ['ec', 224, true],
    ['ec', 256, false],
    ['ed25519', 256, false],
  ] as const)('calls %s-%i weak: %s', (type, bits, weak) => {
    expect(isWeakKey(type, bits)).toBe(weak);
  });

  it.each([
    ['TLSv1', true],
    ['TLSv1.1', true],
    ['TLSv1.2', false],
    ['TLSv1.3', false],
  ])('calls %s old: %s', (protocol, old) => {
    expect(isOldProtocol(protocol)).toBe(old);
  });

  it('takes the worst level and lists problems in vocabulary order', () => {
    const findings: Findings = new Map([
      ['weak-key', 'warn'],
      ['expired', 'critical'],
    ]);
    expect(statusOf(findings)).toBe('critical');
    expect(problemList(findings)).toEqual(['expired', 'weak-key']);
    expect(statusOf(new Map())).toBe('ok');
  });
});

describe('markInconsistent', () => {
  const item = (fingerprint: string | null, status: CertItem['status']) => ({
    fingerprint,
    status,
    problems: [] as CertItem['problems'],
  });

  it('flags every address that served a certificate when two differ, and lifts ok to warn', () => {
    const items = [item('A', 'ok'), item('B', 'critical'), item(null, 'error')];
    markInconsistent(items);
    expect(items.map((i) => [i.status, i.problems])).toEqual([
      ['warn', ['inconsistent']],
      ['critical', ['inconsistent']],
      ['error', []],
    ]);
  });

  it('leaves addresses serving the same certificate alone', () => {
    const items = [item('A', 'ok'), item('A', 'ok')];
    markInconsistent(items);
    expect(items.every((i) => i.problems.length === 0 && i.status === 'ok')).toBe(true);
  });
});
