import type { CheckResult, CheckStatus } from './checks/types.js';
import type { CheckEntry } from './config.js';
import type { Advance, CheckMemory } from './decide.js';

/** One check in the envelope. */
export interface SweepItem {
  check: string;
  kind: string;
  service?: string;
  status: CheckStatus | 'skipped';
  detail: string;
  latencyMs?: number;
  failures?: number;
  down?: boolean;
  flapping?: boolean;
  /** The failure is growth since the previous run (dead letters, restarts): down at once. */
  growth?: boolean;
  /**
   * Not run by this sweep (not due, or out of time): `status`, `detail`, `failures` and `down` are those the
   * check's last run left, at this time (RFC 3339).
   */
  remembered?: string;
  dependencies?: CheckResult['dependencies'];
  data?: Record<string, unknown>;
}

/** Which checks a sweep runs and how. */
export interface SweepOptions {
  /** Only the checks this keeps (a manual selection, an alert's service); every check when omitted. */
  select?: (entry: CheckEntry) => boolean;
  /** Run every selected check now, whatever its `every`. */
  force?: boolean;
  /** An alert this run confirms: a failing check is down at once. */
  confirmedBy?: string;
}

/** The check's group for notifications: its service, else its own name. */
export const groupOf = (entry: CheckEntry) => entry.service ?? entry.name;

/** A run of one check and the memory it leaves. */
export interface CheckRun {
  entry: CheckEntry;
  result: CheckResult;
  memory: CheckMemory;
  event?: Advance['event'];
}
