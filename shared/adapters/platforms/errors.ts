import { BadInputError, DependencyError, errorMessage, NotFoundError, OpsError } from '../../core/errors/index.js';

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
 * A change that did not end as written: on the read after it, someone else's write had replaced it or had
 * landed around it. Cloud Run's etag is output-only, so only this read-back catches such a race.
 */
export class ConcurrentChangeError extends OpsError {
  override readonly name = 'ConcurrentChangeError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('locked', message, { retryable: false, details });
  }
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; code?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.response?.status, e.status, e.code]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** Wraps an SDK error once, naming what was being done: 404 → NotFound, 400/409/412/422 → BadInput, else Dependency. */
export function wrapPlatformError(error: unknown, doing: string): OpsError {
  if (error instanceof OpsError) return error;
  const status = statusOf(error);
  const message = errorMessage(error).split('\n')[0]?.slice(0, 300);
  const text = `${doing}: ${status === undefined ? '' : `HTTP ${status}: `}${message}`;
  const details = { status, doing };
  if (status === 404) return new NotFoundError(text, { cause: error, details });
  if (status === 400 || status === 409 || status === 412 || status === 422) {
    return new BadInputError(text, { cause: error, details });
  }
  const retryable = status === undefined || status >= 500 || status === 429 || status === 408;
  return new DependencyError(text, { cause: error, details, retryable });
}
