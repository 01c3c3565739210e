import type { IncomingMessage } from 'node:http';
import { type OpsError, TooLargeError } from '../../core/errors/index.js';
import type { ResultEnvelope } from '../../core/run/index.js';
import type { Refusal } from './request-guard.js';

/** An HTTP answer, independent of the server that sends it. */
export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

// Push subscriptions append the topic to the function URL (`/projects/P/topics/T`) so the origin
// shows in request logs; that suffix addresses the function itself, not one of its routes.
const PUSH_TOPIC_PATH = /^projects\/[^/]+\/topics\/[^/]+$/;

/** The route below a function's own path: '' for the function itself, also for a Pub/Sub push topic suffix. */
export function subpathOf(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return PUSH_TOPIC_PATH.test(trimmed) ? '' : trimmed;
}

/**
 * Reads a request body, refusing it with `TooLargeError` before reading when its declared length is
 * over `limit`, and as soon as it passes `limit` bytes otherwise. A refused body is left unread: the
 * server drains it after sending the refusal. `declared` overrides the
 * `Content-Length` header (a server that hid it from its own body parsers passes it here).
 */
export function readBodyUpTo(req: IncomingMessage, limit: number, declared?: string): Promise<Buffer> {
  const length = Number(declared ?? req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(length) && length > limit) {
    return Promise.reject(new TooLargeError(`request body of ${length} bytes is over the ${limit}-byte limit`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop keeping it; the rest is drained and dropped once the refusal is sent.
      req.off('data', onData).off('end', onEnd).off('error', onError);
      req.pause();
      chunks.length = 0;
      reject(new TooLargeError(`request body is over the ${limit}-byte limit`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    const onError = (error: Error) => reject(error);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Lower-cases header names and joins repeated values, the shape intake expects. */
export function normalizeHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** The reply for an error raised before or outside a run; an unauthenticated caller gets no detail echoed. */
export function errorReply(error: OpsError): HttpReply {
  const body =
    error.kind === 'unauthorized'
      ? { error: 'unauthorized', message: 'missing or invalid credentials' }
      : { error: error.kind, message: error.message };
  return {
    status: error.status,
    body,
    ...(error.status === 409 || error.status === 429 || error.status === 503
      ? { headers: { 'retry-after': '30' } }
      : {}),
  };
}

/** The reply for a request the request guard refused. */
export function refusalReply(refusal: Refusal): HttpReply {
  return {
    status: refusal.status,
    body: { error: refusal.error, message: refusal.message },
    // A misdirected request must not be retried on a kept-alive connection to the same name.
    ...(refusal.status === 421 ? { headers: { connection: 'close' } } : {}),
  };
}

/** The status of the reply to a request that ran `envelopes`: 202 when all were accepted, else the first error that matters. */
export function statusOf(envelopes: ResultEnvelope[]): number {
  if (envelopes.length > 0 && envelopes.every((e) => e.accepted === true)) return 202;
  const errors = envelopes.map((e) => e.error);
  // A retryable failure anywhere asks the sender to redeliver; idempotency makes the finished ones no-ops.
  const retryable = errors.find((e) => e?.retryable);
  if (retryable) return retryable.status;
  if (errors.every((e) => e !== undefined)) return errors[0]?.status ?? 500;
  return 200;
}
