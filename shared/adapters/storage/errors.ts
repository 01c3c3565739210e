import { OpsError } from '../../core/errors/index.js';

/** The store refused our credentials for a bucket or object: a dependency failure that retrying will not fix. */
export class StorageAccessDeniedError extends OpsError {
  override readonly name = 'StorageAccessDeniedError';
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super('dependency', message, { ...options, retryable: false });
  }
}
