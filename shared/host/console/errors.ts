import { OpsError } from '../../core/errors/index.js';

/** A real run asked from the console without the caller's own dry run of it first (409). */
export class DryRunFirstError extends OpsError {
  override readonly name: string = 'DryRunFirstError';
  constructor(message = 'run it dry first: a real run follows a dry run of the same payload by the same person') {
    super('locked', message, { retryable: false });
  }
}
