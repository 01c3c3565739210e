import type { ErrorRateSample } from '../../shared/adapters/metrics/index.js';
import type { RevisionInfo, ServiceStatus } from '../../shared/adapters/platforms/index.js';
import type { ErrorThreshold } from './config.js';

/** A metrics reading: a sample, no data (undefined sample), or the API error that prevented it. */
export interface Reading {
  sample?: ErrorRateSample;
  error?: string;
}

/** The policy fields a decision uses. */
export interface DecisionPolicy {
  threshold: ErrorThreshold;
  minRequests: number;
  recentDeployMs: number;
  onInconclusive: 'hold' | 'rollback';
}

/** A chain mark: the last automatic rollback of a service, kept so a second one never follows by itself. */
export interface ChainMark {
  at: string;
  from: string;
  to: string;
  incident: string;
}

/** Everything `decide` looks at; all of it is data. */
export interface DecideInput {
  policy: DecisionPolicy;
  status: ServiceStatus;
  /** The revision the alert names (`revision_name`), if any. */
  alertRevision?: string;
  /** The blamed revision's error rate over the window ending now (see {@link blamedRevision}). */
  current: Reading;
  /** The target's error rate over its last serving window (ending when the blamed revision was created). */
  previous?: Reading;
  bad: readonly string[];
  /** Ready earlier revisions that served no requests before the deploy, so never the known-good target. */
  unproven?: readonly string[];
  chain?: ChainMark;
  now: Date;
}

/** Why a decision went the way it did. */
export type Verdict =
  | 'confirmed'
  | 'inconclusive-rollback'
  | 'inconclusive'
  | 'recovered'
  | 'not-serving'
  | 'not-the-deploy'
  | 'previous-unhealthy'
  | 'no-target'
  | 'chain';

/** What to do: roll back, page people with the evidence, or nothing. */
export type Decision =
  | { kind: 'rollback'; verdict: Verdict; from: string; to: string; reasons: string[] }
  | { kind: 'page'; verdict: Verdict; severity: 'warning' | 'critical'; from?: string; to?: string; reasons: string[] }
  | { kind: 'none'; verdict: Verdict; reasons: string[] };

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)}%`;

/** A threshold as people write it: `5%`, `0.01/s`. */
export function formatThreshold(threshold: ErrorThreshold): string {
  return threshold.kind === 'ratio' ? pct(threshold.ratio) : `${Number(threshold.perSecond.toPrecision(3))}/s`;
}

/**
 * The revision an alert blames: the one it names when that one still gets traffic (a canary), else the one
 * serving most of the traffic.
 */
export function blamedRevision(status: ServiceStatus, alertRevision?: string): string | undefined {
  if (alertRevision !== undefined && status.traffic.some((t) => t.revision === alertRevision)) return alertRevision;
  return status.serving;
}

/**
 * The rollback target: the newest revision older than `from` (default: the serving one), Ready, not marked bad.
 * Older by its number and not created after `from`: a Kubernetes `rollout undo` gives the ReplicaSet it restores
 * the next number but keeps its creation time, so after someone's undo (or one of opsfn's that did not finish)
 * the bad ReplicaSet has a lower number than the serving one, and only its later creation time shows it is not
 * a step back.
 */
export function chooseTarget(
  status: ServiceStatus,
  bad: readonly string[],
  from = status.serving,
): RevisionInfo | undefined {
  const serving = status.revisions.find((r) => r.name === from);
  if (!serving) return undefined;
  const created = (r: RevisionInfo) => Date.parse(r.createdAt);
  const older = (r: RevisionInfo) =>
    r.number !== undefined && serving.number !== undefined
      ? r.number < serving.number && created(r) <= created(serving)
      : created(r) < created(serving);
  return status.revisions.find((r) => r.name !== serving.name && older(r) && r.ready && !bad.includes(r.name));
}

/** Judges a reading against the policy's threshold (a share of requests, or a 5xx rate): above, below, or not enough to say. */
export function judge(reading: Reading, policy: DecisionPolicy): { state: 'high' | 'low' | 'unknown'; reason: string } {
  if (reading.error !== undefined) return { state: 'unknown', reason: `metrics error: ${reading.error}` };
  const s = reading.sample;
  if (s === undefined) return { state: 'unknown', reason: 'no metrics data in the window' };
  if (s.total !== undefined && s.total < policy.minRequests) {
    return { state: 'unknown', reason: `only ${s.total} requests in the window (minRequests ${policy.minRequests})` };
  }
  const counts = s.total === undefined ? '' : ` over ${s.total} requests`;
  const { threshold } = policy;
  const [value, text, what] =
    threshold.kind === 'ratio'
      ? [s.ratio, s.ratio === undefined ? '' : pct(s.ratio), 'error ratio']
      : [s.perSecond, s.perSecond === undefined ? '' : `${Number(s.perSecond.toPrecision(3))}/s`, '5xx rate'];
  if (value === undefined) return { state: 'unknown', reason: `the metrics source gives no ${what}` };
  // Strictly above, as the runbooks' alert conditions compare (COMPARISON_GREATER_THAN, PromQL `> 0.01`).
  return value > (threshold.kind === 'ratio' ? threshold.ratio : threshold.perSecond)
    ? { state: 'high', reason: `${what} ${text}${counts} > threshold ${formatThreshold(threshold)}` }
    : { state: 'low', reason: `${what} ${text}${counts} ≤ threshold ${formatThreshold(threshold)}` };
}

/**
 * Decides what to do about an error-rate alert: act only when metrics confirm it, the blamed revision
 * is a recent deploy, the previous one was healthy, a Ready target exists and no automatic rollback
 * already happened in this chain.
 */
export function decide(input: DecideInput): Decision {
  const { policy, status } = input;
  const reasons: string[] = [];
  const from = blamedRevision(status, input.alertRevision);
  if (from === undefined) {
    return { kind: 'page', verdict: 'no-target', severity: 'critical', reasons: ['nothing serves'] };
  }
  if (input.alertRevision !== undefined && from !== input.alertRevision) {
    const why = `alerted revision ${input.alertRevision} no longer gets traffic (serving: ${from})`;
    return { kind: 'none', verdict: 'not-serving', reasons: [why] };
  }

  const current = judge(input.current, policy);
  reasons.push(`${from}: ${current.reason}`);
  if (current.state === 'low') return { kind: 'none', verdict: 'recovered', reasons };
  const inconclusive = current.state === 'unknown';
  if (inconclusive && policy.onInconclusive === 'hold') {
    reasons.push('inconclusive evidence is never proof: holding');
    return { kind: 'page', verdict: 'inconclusive', severity: 'critical', from, reasons };
  }
  if (inconclusive) reasons.push('policy onInconclusive=rollback: going on without confirmation');

  const serving = status.revisions.find((r) => r.name === from);
  if (input.chain) {
    const { chain } = input;
    // A revision deployed after the last rollback starts a new chain; anything older is still the same incident.
    if (serving && Date.parse(serving.createdAt) > Date.parse(chain.at)) {
      reasons.push(`${from} was deployed after the rollback ${chain.from} → ${chain.to} at ${chain.at}: a new chain`);
    } else {
      reasons.push(`already rolled back ${chain.from} → ${chain.to} at ${chain.at}: no second automatic rollback`);
      return { kind: 'page', verdict: 'chain', severity: 'critical', from, reasons };
    }
  }

  const ageMs = serving ? input.now.getTime() - Date.parse(serving.createdAt) : Number.POSITIVE_INFINITY;
  if (!(ageMs <= policy.recentDeployMs)) {
    const since = serving ? `became current at ${serving.createdAt}` : 'has no known creation time';
    reasons.push(`${from} ${since}, outside recentDeploy: the problem is not the last deploy`);
    return { kind: 'page', verdict: 'not-the-deploy', severity: 'critical', from, reasons };
  }
  reasons.push(`${from} deployed ${Math.round(ageMs / 60_000)}m ago`);

  const unproven = input.unproven ?? [];
  if (unproven.length > 0) reasons.push(`skipped ${unproven.join(', ')}: no requests before the deploy (never served)`);
  const target = chooseTarget(status, [...input.bad, ...unproven], from);
  if (!target) {
    reasons.push('no earlier Ready revision that is not marked bad');
    return { kind: 'page', verdict: 'no-target', severity: 'critical', from, reasons };
  }
  if (input.previous) {
    const previous = judge(input.previous, policy);
    reasons.push(`${target.name} before the deploy: ${previous.reason}`);
    if (previous.state === 'high') {
      reasons.push('the previous revision failed too: the problem is not the deploy');
      return { kind: 'page', verdict: 'previous-unhealthy', severity: 'critical', from, to: target.name, reasons };
    }
  }
  reasons.push(`target ${target.name}: newest earlier Ready revision`);
  return {
    kind: 'rollback',
    verdict: inconclusive ? 'inconclusive-rollback' : 'confirmed',
    from,
    to: target.name,
    reasons,
  };
}
