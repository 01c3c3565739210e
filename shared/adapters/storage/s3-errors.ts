import { DependencyError, NotFoundError, OpsError } from '../../core/errors/index.js';
import { StorageAccessDeniedError } from './errors.js';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

const DENIED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
]);

/** The HTTP status of an SDK error, when the store answered at all. */
export function s3Status(error: unknown): number | undefined {
  const e = error as SdkError | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

/** Maps an S3 SDK error once into the OpsError family, naming the action and the object. */
export function mapS3Error(error: unknown, action: string, target: string, timedOut = false): OpsError {
  if (error instanceof OpsError) return error;
  const e = (error ?? {}) as SdkError;
  const code = e.Code ?? e.name ?? e.code ?? 'Error';
  const status = s3Status(error);
  const detail = `${code}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  const details = { target, code, status };
  if (timedOut || code === 'TimeoutError')
    return new DependencyError(`${action} ${target} timed out`, { cause: error, details });
  if (code === 'AbortError') return new DependencyError(`${action} ${target} was aborted`, { cause: error, details });
  if (code === 'NoSuchBucket')
    return new NotFoundError(`${action} ${target}: the bucket does not exist`, { cause: error, details });
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return new NotFoundError(`${action} ${target}: no such object`, { cause: error, details });
  }
  if (DENIED.has(code) || status === 403) {
    return new StorageAccessDeniedError(`access denied: ${action} ${target}: ${detail}`, { cause: error, details });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new OpsError('dependency', `${action} ${target} was refused: ${detail}`, {
      cause: error,
      retryable: false,
      details,
    });
  }
  return new DependencyError(`${action} ${target} failed: ${detail}`, { cause: error, details });
}
