import type { Context } from '../../../shared/core/run/index.js';
import type { HealthSweepDeps } from '../deps.js';

/** A check's verdict, worst last. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One dependency a readiness body names, and whether it is up. */
export interface DependencyStatus {
  name: string;
  /** The status as the service words it (`UP`, `down`, `degraded`). */
  status: string;
  state: 'up' | 'down' | 'unknown';
}

/** What one check found. */
export interface CheckResult {
  status: CheckStatus;
  latencyMs: number;
  /** One line for people: what was checked and what it showed. */
  detail: string;
  /** The dependencies a readiness body reported. */
  dependencies?: DependencyStatus[];
  /** Down dependencies that are not the service's own parts: the failure is theirs, so no restart. */
  downDependencies?: string[];
  /** Counters kept until the next sweep (dead letters per stream, restarts per pod). */
  notes?: Record<string, number>;
  /**
   * The failure is growth since the previous run (new dead letters, container restarts): something that
   * happened, which no later run sees again (the next one counts only what is newer), so the check is down at
   * once instead of after `failAfter` failing runs.
   */
  growth?: boolean;
  /**
   * The sweep ran out of time (its `budget`, or the run's end) before the check started: it did not run, and
   * its result says nothing about the target. A check cut short while running fails as before.
   */
  notRun?: boolean;
  /** Measurements for the envelope item. */
  data?: Record<string, unknown>;
}

/** What a probe may use: the run, the function's ports, its own deadline and last sweep's notes. */
export interface ProbeEnv {
  ctx: Context;
  deps: HealthSweepDeps;
  /** Aborts at the check's timeout, the sweep's budget or the run's end. */
  signal: AbortSignal;
  /** The notes this check kept at its previous run. */
  notes: Record<string, number> | undefined;
}

const RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of statuses; `ok` for none. */
export function worst(...statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** Judges a value against warn/fail limits where higher is worse. */
export function against(value: number, limits: { warn?: number | undefined; fail?: number | undefined }): CheckStatus {
  if (limits.fail !== undefined && value >= limits.fail) return 'fail';
  if (limits.warn !== undefined && value >= limits.warn) return 'warn';
  return 'ok';
}

/** Milliseconds since `started` (a `performance.now()` reading), rounded. */
export function since(started: number): number {
  return Math.round(performance.now() - started);
}

/** A percentage for details (`82%`). */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
