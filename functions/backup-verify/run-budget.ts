import { formatDuration } from '../../shared/core/config/index.js';

/**
 * What a run keeps back from `limits.timeout` for what comes after verifying: ending the reads and restores the
 * budget cut off (a restore's client is stopped and its scratch database dropped), recording a shard, the
 * notifications and the report. A fifth of the run, at least 1s (but no more than half the run), at most a minute:
 * 1m of the default 9m.
 */
export function reportReserveMs(runTimeoutMs: number): number {
  return Math.round(Math.min(60_000, Math.max(runTimeoutMs / 5, Math.min(1_000, runTimeoutMs / 2))));
}

/** Why the budget stopped a backup's work: the run's time for verifying ran out (see {@link RunBudget}). */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
}

/**
 * The time a run of backupVerify has for verifying. The runtime cuts a run off at `limits.timeout` from its start
 * (the `Context` carries no deadline of its own: `ctx.signal` aborts only then, and the envelope answered then has
 * no items), so the run keeps {@link reportReserveMs} of it back: every backup's work is bounded by `signal`, and
 * the results, the notifications and the report are made within the run whatever a slow backup does.
 */
export interface RunBudget {
  /** Aborts, with an {@link OutOfTimeError} naming the bound, once the time for verifying is spent. */
  readonly signal: AbortSignal;
  /** Milliseconds left for verifying; 0 once spent. */
  leftMs(): number;
  /** Milliseconds left before the runtime ends the run; 0 once it has. */
  runLeftMs(): number;
  /** Stops the timer once the run is over. */
  dispose(): void;
}

/** Starts the budget of a run bounded by `runTimeoutMs` (`limits.timeout`), counted from now. */
export function startRunBudget(
  runTimeoutMs: number,
  what = 'backupVerify',
  clock: () => number = () => performance.now(),
): RunBudget {
  const start = clock();
  const reserveMs = reportReserveMs(runTimeoutMs);
  const verifyMs = runTimeoutMs - reserveMs;
  const controller = new AbortController();
  const reason = new OutOfTimeError(
    `${what}'s time ran out: limits.timeout ${formatDuration(runTimeoutMs)}, of which the last ${formatDuration(reserveMs)} is kept to report every backup`,
  );
  const timer = setTimeout(() => controller.abort(reason), verifyMs);
  timer.unref?.();
  return {
    signal: controller.signal,
    leftMs: () => Math.max(0, start + verifyMs - clock()),
    runLeftMs: () => Math.max(0, start + runTimeoutMs - clock()),
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Why a bounded piece of work was aborted, as a check says it, and whether it simply ran out of time: the run's
 * budget, or the backup's own timeout (`AbortSignal.timeout`, whose reason names no bound, so `timeoutMs` does).
 */
export function abortCause(reason: unknown, timeoutMs: number): { late: boolean; why: string } {
  if (reason instanceof OutOfTimeError) return { late: true, why: reason.message };
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError')
    return { late: true, why: `its timeout of ${formatDuration(timeoutMs)} passed` };
  return { late: false, why: reason instanceof Error ? reason.message : String(reason ?? 'aborted') };
}
