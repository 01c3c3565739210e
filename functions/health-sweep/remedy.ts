import type { CheckStatus } from './checks/types.js';

/** What the sweep remembers of a service's restarts until it is healthy again. */
export interface RemedyMemory {
  /** When the last restart was issued, RFC 3339. */
  restartedAt?: string;
  /** A restart did not heal it: a person was paged and no further restart follows until it recovers. */
  escalated?: boolean;
  /** People were paged that the failure is a dependency's, so no restart. */
  heldAt?: string;
  /** The guard that refused the last restart (a freeze, the kill switch…): people were paged once for it. */
  blockedBy?: string;
  /**
   * When remediation first acted on this failure, RFC 3339: every page about it carries one dedupKey built from
   * it, resolved when the service is healthy again.
   */
  episode?: string;
}

/** The dedupKey of every remediation page about one failure of `service`, resolved once it is healthy again. */
export const remedyIncident = (service: string, episode: string) => `health:remedy:${service}:${episode}`;

/** One failing check of a service as the remediation decision reads it. */
export interface RemedyCandidate {
  check: string;
  status: CheckStatus;
  failures: number;
  /** `remediate.after` of the check; undefined when the check does not opt in. */
  after?: number;
  /** Down dependencies its readiness body named. */
  downDependencies: readonly string[];
}

/** What to do about a service: restart it, page instead, or nothing. */
export type RemedyDecision =
  | { kind: 'restart'; checks: string[]; reasons: string[] }
  | { kind: 'hold'; checks: string[]; reasons: string[] }
  | { kind: 'none'; reasons: string[] };

/**
 * Decides whether a service is restarted: only when a check that opted in has failed `after` runs in a row,
 * no restart already failed to heal it, and no check of the service names a down dependency (the failure is
 * the dependency's: a restart would not help, so people are paged instead, once).
 */
export function decideRemedy(candidates: readonly RemedyCandidate[], memory: RemedyMemory | undefined): RemedyDecision {
  const due = candidates.filter((c) => c.status === 'fail' && c.after !== undefined && c.failures >= c.after);
  if (due.length === 0) return { kind: 'none', reasons: [] };
  const checks = due.map((c) => c.check);
  if (memory?.escalated) {
    return { kind: 'none', reasons: [`a restart at ${memory.restartedAt ?? '?'} did not heal it; people were paged`] };
  }
  const blamed = candidates.filter((c) => c.status !== 'ok' && c.downDependencies.length > 0);
  if (blamed.length > 0) {
    const named = [...new Set(blamed.flatMap((c) => c.downDependencies))].join(', ');
    const reasons = [`a dependency is down (${named}), so the failure is not the service's own: not restarting`];
    if (memory?.heldAt) return { kind: 'none', reasons };
    return { kind: 'hold', checks, reasons };
  }
  const reasons = due.map((c) => `${c.check} failed ${c.failures} runs in a row (restart after ${c.after})`);
  return { kind: 'restart', checks, reasons };
}
