import { BadInputError, DependencyError, NotFoundError, type OpsError } from './ops-error.js';

/** What an HTTP failure carries besides its status: the cause and details to keep on the error. */
export interface HttpFailureOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** Overrides the status's own answer to whether a retry could help. */
  retryable?: boolean;
}

/** The HTTP status an SDK error carries (`response.status`, `status` or a numeric `code`), when it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; code?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.response?.status, e.status, e.code]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** Whether an HTTP status (or none: the request never got an answer) is worth another attempt. */
export function retryableStatus(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

/**
 * The OpsError for a failed call to an API, by its HTTP status: 404 → NotFound; 400, 409, 412 and 422
 * (the request itself is wrong or stale) → BadInput; anything else, or no answer at all → Dependency,
 * retryable on 5xx, 408, 429 and no answer.
 */
export function errorForStatus(
  status: number | undefined,
  message: string,
  options: HttpFailureOptions = {},
): OpsError {
  const { cause, details = {} } = options;
  if (status === 404) return new NotFoundError(message, { cause, details });
  if (status === 400 || status === 409 || status === 412 || status === 422) {
    return new BadInputError(message, { cause, details });
  }
  return new DependencyError(message, { cause, details, retryable: options.retryable ?? retryableStatus(status) });
}
