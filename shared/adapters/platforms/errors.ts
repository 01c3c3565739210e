import { DependencyError, errorForStatus, httpStatusOf, OpsError } from '../../core/errors/index.js';

/** A platform operation that finished with an error (Cloud Run LRO error, Kubernetes rollout failure). */
export class PlatformOperationError extends DependencyError {
  override readonly name = 'PlatformOperationError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { retryable: false, details });
  }
}

/** A platform wait that ran past its deadline: the change may still complete on its own. */
export class PlatformTimeoutError extends DependencyError {
  override readonly name = 'PlatformTimeoutError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { retryable: false, details });
  }
}

/** The service no longer serves the revision a change expected: someone else changed it first. */
export class ServingChangedError extends OpsError {
  override readonly name = 'ServingChangedError';
  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super('locked', `expected ${expected} to serve, found ${actual ?? 'nothing'}: another change got there first`, {
      retryable: false,
      details: { expected, actual },
    });
  }
}

/**
 * The latest ready revision (compose: the image the files name) is not the one the caller judged: a deploy
 * landed in between. `landed` false: found before the write, nothing changed; true: found on the read after it,
 * so traffic now follows `actual`, which nobody judged.
 */
export class LatestChangedError extends OpsError {
  override readonly name = 'LatestChangedError';
  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
    readonly landed: boolean,
  ) {
    super(
      'locked',
      landed
        ? `traffic follows the latest revision, which became ${actual ?? 'nothing'} during the change, not the judged ${expected}`
        : `the latest revision is ${actual ?? 'nothing'}, not the judged ${expected}: a deploy landed since`,
      { retryable: false, details: { expected, actual, landed } },
    );
  }
}

/**
 * A change that did not end as written: on the read after it, someone else's write had replaced it or had
 * landed around it. Cloud Run's etag is output-only, so only this read-back catches such a race.
 */
export class ConcurrentChangeError extends OpsError {
  override readonly name = 'ConcurrentChangeError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('locked', message, { retryable: false, details });
  }
}

/** Wraps an SDK error once, naming what was being done, by its HTTP status (see {@link errorForStatus}). */
export function wrapPlatformError(error: unknown, doing: string): OpsError {
  if (error instanceof OpsError) return error;
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message.split('\n')[0]?.slice(0, 300) : String(error);
  const text = `${doing}: ${status === undefined ? '' : `HTTP ${status}: `}${message}`;
  return errorForStatus(status, text, { cause: error, details: { status, doing } });
}
