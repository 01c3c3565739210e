import { BadInputError, DependencyError, TooLargeError } from '../errors/index.js';
import * as z from '../schema/index.js';
import type { Claim } from './state-store.js';

/** Largest JSON record or claim outcome a state store accepts, in bytes of UTF-8. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Longest key a state store accepts, in characters. */
export const MAX_KEY_LENGTH = 1024;

/** Rejects a key that is empty, not a string or absurdly long, naming the operation. */
export function checkKey(op: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new BadInputError(`state ${op}: expected a non-empty string key, got ${JSON.stringify(key) ?? typeof key}`);
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new BadInputError(`state ${op}: key longer than ${MAX_KEY_LENGTH} characters (${key.length})`);
  }
  return key;
}

/** Validates a TTL or window length and rounds it up to whole milliseconds, as Redis PX requires. */
export function checkMs(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new BadInputError(`state ${op}: expected ${name} to be a positive number of milliseconds, got ${value}`);
  }
  return Math.ceil(value);
}

/** Validates an event timestamp for a sliding window. */
export function checkTimestamp(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new BadInputError(`state ${op}: expected nowMs to be a finite number of milliseconds, got ${value}`);
  }
  return value;
}

/** Checks the length bound of a list: a whole number from 1 to 10,000. */
export function checkMax(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new BadInputError(`state ${op}: expected a list bound of 1 to 10000 entries, got ${String(value)}`);
  }
  return value;
}

/** Checks a budget's size: a whole number of events, 0 (nothing may be spent) or more. */
export function checkBudget(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BadInputError(`state ${op}: expected max to be a whole number of events, got ${String(value)}`);
  }
  return value;
}

/** Serializes a value to JSON, refusing what JSON cannot carry and anything over {@link MAX_RECORD_BYTES}. */
export function encodeJson(op: string, key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new BadInputError(`state ${op} "${key}": value is not JSON-serializable`, { cause: error });
  }
  if (text === undefined) {
    throw new BadInputError(`state ${op} "${key}": value is not JSON-serializable (${typeof value})`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RECORD_BYTES) {
    throw new TooLargeError(`state ${op} "${key}": record of ${bytes} bytes exceeds ${MAX_RECORD_BYTES} bytes`);
  }
  return text;
}

/** Parses a stored JSON record; a corrupt record is a store fault, not something a retry fixes. */
export function decodeJson<T>(key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DependencyError(`state store record "${key}" is not valid JSON`, { cause: error, retryable: false });
  }
}

const StoredClaimSchema = z.lazy(() =>
  z.discriminatedUnion('state', [
    z.object({ state: z.literal('running') }),
    z.object({ state: z.literal('done'), outcome: z.unknown() }),
  ]),
);

/** The stored form of a claim that is still running. */
export const RUNNING_CLAIM = JSON.stringify({ state: 'running' });

/** The stored form of a completed claim with its outcome. */
export function encodeDone(key: string, outcome: unknown): string {
  return encodeJson('complete', key, { state: 'done', outcome });
}

/** Reads what a losing claimer finds at the key: running, or done with the recorded outcome. */
export function decodeClaim<T>(key: string, text: string): Claim<T> {
  const parsed = StoredClaimSchema.safeParse(decodeJson(key, text));
  if (!parsed.success) {
    throw new DependencyError(`state store key "${key}" holds something other than a claim`, { retryable: false });
  }
  if (parsed.data.state === 'running') return { claimed: false, state: 'running' };
  return { claimed: false, state: 'done', outcome: parsed.data.outcome as T };
}
