/** What kind of failure an error is; the runtime maps each kind to one HTTP status. */
export const ErrorKinds = {
  badInput: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  locked: 409,
  tooLarge: 413,
  rateLimited: 429,
  internal: 500,
  dependency: 503,
} as const;

/** One of the keys of {@link ErrorKinds}. */
export type ErrorKind = keyof typeof ErrorKinds;

interface OpsErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/** Base of every error opsfn throws: carries its kind, whether a retry could help, and typed details. */
export class OpsError extends Error {
  override readonly name: string = 'OpsError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: OpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? (kind === 'dependency' || kind === 'internal');
    this.details = options.details ?? {};
  }

  /** The HTTP status this error maps to. */
  get status(): number {
    return ErrorKinds[this.kind];
  }
}

/** Input that does not parse or validate: never retried. */
export class BadInputError extends OpsError {
  override readonly name: string = 'BadInputError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('badInput', message, { ...options, retryable: false });
  }
}

/** A caller without valid credentials. */
export class UnauthorizedError extends OpsError {
  override readonly name: string = 'UnauthorizedError';
  constructor(message = 'missing or invalid credentials', options: OpsErrorOptions = {}) {
    super('unauthorized', message, { ...options, retryable: false });
  }
}

/** An authenticated caller, or a request, that may not do what it asks (a scoped token, a cross-site request). */
export class ForbiddenError extends OpsError {
  override readonly name: string = 'ForbiddenError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('forbidden', message, { ...options, retryable: false });
  }
}

/** A named target (function, service, backup, plan) that the estate does not have. */
export class NotFoundError extends OpsError {
  override readonly name: string = 'NotFoundError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('notFound', message, { ...options, retryable: false });
  }
}

/** A target locked by another run. */
export class LockedError extends OpsError {
  override readonly name: string = 'LockedError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('locked', message, { ...options, retryable: true });
  }
}

/** A request body over the configured limit. */
export class TooLargeError extends OpsError {
  override readonly name: string = 'TooLargeError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('tooLarge', message, { ...options, retryable: false });
  }
}

/** Refused by a rate limit or a tripped circuit breaker. */
export class RateLimitedError extends OpsError {
  override readonly name: string = 'RateLimitedError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('rateLimited', message, { ...options, retryable: false });
  }
}

/** A dependency (state store, cloud API, database) that is down, erroring or too slow. */
export class DependencyError extends OpsError {
  override readonly name: string = 'DependencyError';
  constructor(message: string, options: OpsErrorOptions = {}) {
    super('dependency', message, { retryable: true, ...options });
  }
}

/** The message of anything thrown: an Error's message, or the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps anything thrown into an OpsError, keeping OpsErrors as they are. */
export function toOpsError(error: unknown): OpsError {
  if (error instanceof OpsError) return error;
  return new OpsError('internal', errorMessage(error), { cause: error });
}
