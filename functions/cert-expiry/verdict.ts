import { type CertProblem, CertProblems, type CertStatus } from './types.js';

const DAY_MS = 86_400_000;

/** How bad one finding is. */
export type Level = 'warn' | 'critical';

/** The thresholds of the `certificates` section. */
export interface Thresholds {
  warnDays: number;
  criticalDays: number;
}

/** Findings of one address: each problem with its level. */
export type Findings = Map<CertProblem, Level>;

/**
 * Where a certificate stands in its lifetime. The windows shrink with short lifetimes, so a 47-day
 * certificate warns when less than a third of it is left rather than 30 days before expiry.
 */
export function expiryLevel(
  notBefore: Date,
  notAfter: Date,
  now: Date,
  thresholds: Thresholds,
): Level | 'expired' | 'not-yet-valid' | undefined {
  if (now.getTime() > notAfter.getTime()) return 'expired';
  if (now.getTime() < notBefore.getTime()) return 'not-yet-valid';
  const lifetimeDays = Math.max(0, notAfter.getTime() - notBefore.getTime()) / DAY_MS;
  const leftDays = (notAfter.getTime() - now.getTime()) / DAY_MS;
  if (leftDays < Math.min(thresholds.criticalDays, lifetimeDays / 10)) return 'critical';
  if (leftDays < Math.min(thresholds.warnDays, lifetimeDays / 3)) return 'warn';
  return undefined;
}

/** Whole days left until `notAfter`, negative once expired. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** Adds a finding, keeping the worse level when the problem is already there. */
export function addFinding(findings: Findings, problem: CertProblem, level: Level): void {
  if (findings.get(problem) !== 'critical') findings.set(problem, level);
}

/** Leaf expiry as findings: expired and not-yet-valid are critical, `expiring` takes the window's level. */
export function judgeLeafExpiry(findings: Findings, notBefore: Date, notAfter: Date, now: Date, t: Thresholds): void {
  const level = expiryLevel(notBefore, notAfter, now, t);
  if (level === 'expired' || level === 'not-yet-valid') addFinding(findings, level, 'critical');
  else if (level) addFinding(findings, 'expiring', level);
}

/** Chain expiry as findings: any certificate above the leaf inside its windows gives `chain-expiring`. */
export function judgeChainExpiry(
  findings: Findings,
  chain: readonly { notBefore: Date; notAfter: Date }[],
  now: Date,
  t: Thresholds,
): void {
  for (const cert of chain) {
    const level = expiryLevel(cert.notBefore, cert.notAfter, now, t);
    if (level) addFinding(findings, 'chain-expiring', level === 'warn' ? 'warn' : 'critical');
  }
}

/** RSA/DSA below 2048 bits and EC below 256 bits are weak. */
export function isWeakKey(keyType: string | null, bits: number | null): boolean {
  if (keyType === null || bits === null) return false;
  if (keyType === 'rsa' || keyType === 'rsa-pss' || keyType === 'dsa') return bits < 2048;
  if (keyType === 'ec') return bits < 256;
  return false;
}

/** TLS 1.0, 1.1 and SSL are below what anyone should still serve. */
export function isOldProtocol(protocol: string | null): boolean {
  return protocol !== null && /^(SSLv[23]|TLSv1(\.1)?)$/.test(protocol);
}

/** The address's status: the worst level of its findings. */
export function statusOf(findings: Findings): CertStatus {
  let status: CertStatus = 'ok';
  for (const level of findings.values()) {
    if (level === 'critical') return 'critical';
    status = 'warn';
  }
  return status;
}

/** Problems in vocabulary order, so items compare and read the same way every run. */
export function problemList(findings: Findings): CertProblem[] {
  return CertProblems.filter((p) => findings.has(p));
}

/** Marks every address of an endpoint `inconsistent` when they serve different leaf certificates. */
export function markInconsistent<T extends { fingerprint: string | null; problems: CertProblem[]; status: CertStatus }>(
  items: T[],
): void {
  const served = new Set(items.map((i) => i.fingerprint).filter((f) => f !== null));
  if (served.size < 2) return;
  for (const item of items) {
    if (item.fingerprint === null) continue;
    item.problems = CertProblems.filter((p) => p === 'inconsistent' || item.problems.includes(p));
    if (item.status === 'ok') item.status = 'warn';
  }
}
