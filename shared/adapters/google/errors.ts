import { errorForStatus, errorMessage, httpStatusOf, OpsError } from '../../core/errors/index.js';

/** What a failed Google API call said: its HTTP status, its reasons, and its message. */
export interface GoogleFailure {
  status?: number | undefined;
  /** `error.status` (`NOT_FOUND`), `error.errors[].reason` (`rateLimitExceeded`) and `ErrorInfo` reasons. */
  reasons: string[];
  message: string;
}

interface ErrorBody {
  error?: {
    message?: unknown;
    status?: unknown;
    errors?: { reason?: unknown }[];
    details?: { reason?: unknown }[];
  };
}

/**
 * 403s that mean "slow down", not "denied": the per-minute limits of the older JSON APIs and `ErrorInfo`'s
 * reason (https://cloud.google.com/apis/design/errors#error_info); a retry after a pause helps.
 */
const RATE_LIMIT_REASONS: ReadonlySet<string> = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'RATE_LIMIT_EXCEEDED',
]);

/** Reads Google's error body (`{ error: { code, message, status, errors, details } }`) from a parsed or raw body. */
export function failureOf(status: number | undefined, body: unknown, fallback: string): GoogleFailure {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const error = (parsed as ErrorBody | undefined)?.error;
  const shaped = typeof error === 'object' && error !== null;
  const reasons = shaped
    ? [error.status, ...(error.errors ?? []).map((e) => e.reason), ...(error.details ?? []).map((d) => d.reason)]
    : [];
  const message = shaped && typeof error.message === 'string' && error.message !== '' ? error.message : fallback;
  return {
    status,
    reasons: reasons.filter((r): r is string => typeof r === 'string' && r !== ''),
    message: message.split('\n')[0]?.slice(0, 300) ?? '',
  };
}

/** What a googleapis (gaxios) error says: the status and body of its response, else its own message. */
export function failureOfError(error: unknown): GoogleFailure {
  const data = (error as { response?: { data?: unknown } } | undefined)?.response?.data;
  return failureOf(httpStatusOf(error), data, errorMessage(error));
}

/**
 * The OpsError for a Google API failure, by HTTP status and reason, never by message text: a 403 whose
 * reason is a rate limit is a retryable DependencyError; anything else follows {@link errorForStatus}
 * (404 → NotFound; 400, 409, 412, 422 → BadInput; else Dependency, retryable on 5xx, 408, 429 and no answer).
 * The message reads `<label>: HTTP <status>: <Google's message>`.
 */
export function googleError(label: string, failure: GoogleFailure, cause?: unknown): OpsError {
  const { status, reasons } = failure;
  const text = `${label}: ${status === undefined ? '' : `HTTP ${status}: `}${failure.message}`;
  const details = { status, ...(reasons.length ? { reasons } : {}) };
  const rateLimited = status === 403 && reasons.some((r) => RATE_LIMIT_REASONS.has(r));
  return errorForStatus(status, text, { cause, details, ...(rateLimited ? { retryable: true } : {}) });
}

/** The HTTP status of the Google answer behind a kit error (its `details.status`), when there was one. */
export function answerStatusOf(error: unknown): number | undefined {
  const status = error instanceof OpsError ? error.details.status : undefined;
  return typeof status === 'number' ? status : undefined;
}
