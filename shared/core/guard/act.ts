/** Which guardrail refused an action. */
export type RefusedBy = 'kill-switch' | 'freeze' | 'lock' | 'cooldown' | 'rate-limit' | 'breaker' | 'state-unavailable';

/** Options of one guarded action. */
export interface ActOptions<T = unknown> {
  /** Cooldown after success, per target and action; none when omitted. */
  cooldownMs?: number;
  /** Lock key; defaults to the target. */
  lockKey?: string;
  /** What the decision used, recorded in the audit intent. */
  evidence?: Record<string, unknown>;
  /** What the action will change (before/after values), recorded with the intent. */
  change?: Record<string, unknown>;
  /**
   * Tells, from `fn`'s result, that it found nothing to change (e.g. a re-read under the lock saw
   * another run had already done it): the reason, or undefined when it did change something. An
   * unchanged action is audited as such and starts no cooldown.
   */
  unchanged?: (value: T) => string | undefined;
}

/** What happened to one guarded action. `fn` errors are recorded and rethrown, not returned. */
export type ActOutcome<T> =
  | { status: 'done'; value: T; durationMs: number }
  | { status: 'dry-run' }
  | { status: 'refused'; by: RefusedBy; reason: string };

/** An action as listed in the result envelope. */
export interface ActionRecord {
  action: string;
  target: string;
  status: 'done' | 'unchanged' | 'dry-run' | 'refused' | 'failed';
  reason?: string;
  by?: RefusedBy;
  durationMs?: number;
  change?: Record<string, unknown>;
}

/** `ctx.act`: runs `fn` only when every guardrail allows it. */
export type Act = <T>(
  action: string,
  target: string,
  fn: () => Promise<T>,
  options?: ActOptions<T>,
) => Promise<ActOutcome<T>>;
