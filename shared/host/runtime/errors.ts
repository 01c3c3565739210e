import { DependencyError } from '../../core/errors/index.js';

/**
 * The process is stopping (SIGTERM): new work is refused and running work is interrupted. Retryable:
 * the work is redelivered when the process (or another instance) starts again.
 */
export class ShutdownError extends DependencyError {
  override readonly name: string = 'ShutdownError';
  constructor(message = 'opsfn is shutting down; retry later') {
    super(message, { retryable: true });
  }
}

/** The shutdown `signal` was aborted with, or undefined when it was not aborted by one (a timeout, a caller). */
export function shutdownOf(signal: AbortSignal): ShutdownError | undefined {
  return signal.aborted && signal.reason instanceof ShutdownError ? signal.reason : undefined;
}
