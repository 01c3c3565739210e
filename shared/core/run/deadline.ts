/** A signal that also aborts at a deadline; see {@link withDeadline}. */
export interface Deadline {
  /** Aborts when the parent does, or `ms` after it was made with a `TimeoutError`, as `AbortSignal.timeout` does. */
  readonly signal: AbortSignal;
  /** Whether the deadline itself fired (not the parent). */
  timedOut(): boolean;
  /** Stops the timer (work finished before the deadline); the signal then aborts only with its parent. */
  clear(): void;
}

/**
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, with a timer of its own. On Node 20, `AbortSignal.any` holds
 * its sources weakly: a garbage collection drops an `AbortSignal.timeout` that nothing else holds, and the deadline
 * never comes (Node 22 keeps it). The timer does not keep the process alive.
 */
export function withDeadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  timer.unref?.();
  return {
    signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal,
    timedOut: () => controller.signal.aborted,
    clear: () => clearTimeout(timer),
  };
}
