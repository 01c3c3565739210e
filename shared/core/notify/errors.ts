import { OpsError } from '../errors/index.js';

/** One failed delivery attempt: says whether another attempt could help and how long the receiver asked to wait. */
export class DeliveryError extends OpsError {
  override readonly name = 'DeliveryError';
  /** HTTP status of the receiver's answer, when there was one. */
  readonly httpStatus: number | undefined;
  /** Delay the receiver asked for with `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown } = { retryable: false },
  ) {
    super('dependency', message, {
      retryable: options.retryable,
      cause: options.cause,
      details: { status: options.status, retryAfterMs: options.retryAfterMs },
    });
    this.httpStatus = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
