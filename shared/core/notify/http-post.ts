import { errorMessage } from '../errors/index.js';
import { DeliveryError } from './errors.js';

/** What a receiver answered: status, headers and the first bytes of the body. */
export interface HttpReply {
  status: number;
  headers: Headers;
  body: string;
}

/** A request a channel wants sent: always a JSON POST. */
export interface JsonPost {
  url: string;
  headers?: Record<string, string>;
  body: unknown;
}

// Receivers answer with a few bytes; a hostile or broken one must not make us buffer megabytes.
const MAX_REPLY_BYTES = 64 * 1024;
const RETRY_AFTER_STATUSES = new Set([408, 425, 429]);

/** The first `limit` bytes of a response's body as UTF-8; the rest is not read (the stream is cancelled). */
export async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** How much of a failed delivery's error is reported, once scrubbed. */
const REPORTED_CHARS = 300;

/** A delivery error as reported: scrubbed of secrets first, then cut to length. */
export function reportedError(text: string, scrub: (text: string) => string): string {
  const clean = scrub(text);
  return clean.length > REPORTED_CHARS ? `${clean.slice(0, REPORTED_CHARS)}…` : clean;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error (${cause.code})`;
  return `network error (${errorMessage(error)})`;
}

/** Sends one JSON POST; a network failure throws a retryable DeliveryError, any HTTP answer is returned. */
export async function postJson(fetchFn: typeof fetch, request: JsonPost, signal: AbortSignal): Promise<HttpReply> {
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'opsfn', ...request.headers },
      body: JSON.stringify(request.body),
      // A redirect is reported, not followed: re-POSTing a signed body to another host is not ours to decide.
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new DeliveryError(describeNetworkError(error), { retryable: true, cause: error });
  }
  const body = await readBounded(response, MAX_REPLY_BYTES);
  return { status: response.status, headers: response.headers, body };
}

/**
 * Throws a DeliveryError for a non-2xx reply: retryable on 408, 425, 429 and 5xx, with the receiver's Retry-After.
 * Its message carries the whole (bounded) reply: it is cut to length only after secrets are scrubbed from it
 * ({@link reportedError}), since a secret a receiver echoes across the cut would no longer match whole.
 */
export function assertSuccess(reply: HttpReply, now: Date): void {
  if (reply.status >= 200 && reply.status < 300) return;
  const retryable = reply.status >= 500 || RETRY_AFTER_STATUSES.has(reply.status);
  const snippet = reply.body.replace(/\s+/g, ' ').trim();
  throw new DeliveryError(`HTTP ${reply.status}${snippet ? `: ${snippet}` : ''}`, {
    retryable,
    status: reply.status,
    retryAfterMs: retryable ? parseRetryAfter(reply.headers.get('retry-after'), now) : undefined,
  });
}
