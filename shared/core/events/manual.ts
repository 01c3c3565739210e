import * as z from '../schema/index.js';
import { fieldError, parseOrThrow } from './errors.js';
import { type HeaderMap, isJsonObject, jsonType, readHeader } from './request.js';
import type { ManualTrigger } from './trigger.js';

/** An `Idempotency-Key` header: 1–200 visible ASCII characters, so it is safe in ids and log lines. */
export const IdempotencyKeySchema = z.lazy(() =>
  z.string().check(z.regex(/^[\x21-\x7e]{1,200}$/, 'expected 1 to 200 visible ASCII characters')),
);

/**
 * Parses a manual request (any other JSON object, or an empty body) into a manual trigger. Its id is
 * `manual:<Idempotency-Key>` when the caller sends one, so a retried request runs once; otherwise a fresh id.
 * The caller is set later by the auth layer.
 */
export function parseManual(headers: HeaderMap, payload: unknown, options: { newId: () => string }): ManualTrigger {
  if (payload !== undefined && !isJsonObject(payload)) {
    throw fieldError('manual', 'body', `expected a JSON object, got ${jsonType(payload)}`);
  }
  const rawKey = readHeader(headers, 'idempotency-key');
  const key =
    rawKey === undefined
      ? undefined
      : parseOrThrow(IdempotencyKeySchema, rawKey, 'manual', ['headers', 'idempotency-key']);
  return { kind: 'manual', id: `manual:${key ?? options.newId()}`, payload: payload ?? {} };
}
