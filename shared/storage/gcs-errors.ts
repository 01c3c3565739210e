import { DependencyError, NotFoundError, OpsError } from '../errors/ops-error.js';
import { StorageAccessDeniedError } from './errors.js';

interface ApiErrorLike {
  code?: number | string;
  message?: string;
  type?: string;
  name?: string;
}

/** The HTTP status of a `@google-cloud/storage` error, when the API answered. */
export function gcsStatus(error: unknown): number | undefined {
  const code = (error as ApiErrorLike | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps a `@google-cloud/storage` error once into the OpsError family, naming the action and the object. */
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
    // The API tells the two apart only in prose: "The specified bucket does not exist." vs "No such object: b/k".
    const missing = /bucket does not exist/i.test(message) ? 'bucket' : 'object';
    const what = missing === 'bucket' ? 'the bucket does not exist' : 'no such object';
    return new NotFoundError(`${action} ${target}: ${what}`, { cause: error, details: { ...details, missing } });
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
