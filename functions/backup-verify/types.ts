import type { Backup } from './config.js';

/** How one check of a backup went. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One named check (`freshness`, `integrity`, `restore`…) with a sentence an on-call engineer can act on. */
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  data?: Record<string, unknown>;
}

/** A backup's verdict. */
export type Verdict = 'ok' | 'warn' | 'fail';

/** One result item: a backup, its verdict and every check behind it. */
export interface BackupResult {
  backup: string;
  /** `unknown` for a backup a shard could not report (no longer configured when the run ended). */
  kind: Backup['kind'] | 'unknown';
  status: Verdict;
  object?: { key: string; bytes: number; ageHours: number };
  checks: Check[];
}

/** Builds a check. */
export const check = (name: string, status: CheckStatus, detail: string, data?: Record<string, unknown>): Check =>
  data === undefined ? { name, status, detail } : { name, status, detail, data };
