import { DependencyError, NotFoundError, OpsError } from '../../core/errors/index.js';
import { StorageAccessDeniedError } from './errors.js';

interface ApiErrorLike {
  code?: number | string;
  message?: string;
  type?: string;
  name?: string;
  errors?: { reason?: string }[];
}

/** Calls on the bucket itself (list, upload): a 404 there means the bucket is missing. */
const BUCKET_CALLS = new Set(['list', 'write']);

/** The HTTP status of a `@google-cloud/storage` error, when the API answered. */
export function gcsStatus(error: unknown): number | undefined {
  const code = (error as ApiErrorLike | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps a `@google-cloud/storage` error once into the OpsError family, naming the action and the object, by the
 * HTTP status, the API's `reason` and which call failed, never by the message: object calls on a missing bucket
 * answer "No such object" like a missing object, so a 404 from them says only `missing: 'object'`.
 */
export function mapGcsError(error: unknown, action: string, target: string, timedOut = false): OpsError {
  if (error instanceof OpsError) return error;
  const e = (error ?? {}) as ApiErrorLike;
  const status = gcsStatus(error);
  const message = e.message ?? String(error);
  const details = { target, status, code: e.code };
  if (timedOut || e.type === 'request-timeout' || e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
    return new DependencyError(`${action} ${target} timed out: ${message}`, { cause: error, details });
  }
  if (e.name === 'AbortError') return new DependencyError(`${action} ${target} was aborted`, { cause: error, details });
  if (status === 404) {
    const missing = BUCKET_CALLS.has(action) ? 'bucket' : 'object';
    return missingError(action, target, missing, {
      cause: error,
      details: { ...details, reason: e.errors?.[0]?.reason },
    });
  }
  if (status === 401 || status === 403) {
    return new StorageAccessDeniedError(`access denied: ${action} ${target}: HTTP ${status}: ${message}`, {
      cause: error,
      details,
    });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new OpsError('dependency', `${action} ${target} was refused: HTTP ${status}: ${message}`, {
      cause: error,
      retryable: false,
      details,
    });
  }
  return new DependencyError(`${action} ${target} failed: ${message}`, { cause: error, details });
}

/** The NotFoundError of a missing bucket or object, in the words the store uses for each. */
export function missingError(
  action: string,
  target: string,
  missing: 'bucket' | 'object',
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): NotFoundError {
  const what = missing === 'bucket' ? 'the bucket does not exist' : 'no such object';
  return new NotFoundError(`${action} ${target}: ${what}`, {
    ...options,
    details: { ...options.details, target, missing },
  });
}
