import { createHash } from 'node:crypto';
import type { StateStore } from '../state/index.js';
import type { Notification } from './notification.js';

/** Remembers which channel already got a message with a given dedupKey, so repeats are skipped. */
export interface DeliveryMarks {
  /** Claims the delivery; false when another run already delivered it (or is delivering it) within the TTL. */
  claim(channel: string, message: Notification): Promise<boolean>;
  /** Keeps the claim after a success and clears the opposite action, so a later trigger or resolve goes out. */
  delivered(channel: string, message: Notification): Promise<void>;
  /** Drops the claim after a failure so the next run tries again. */
  failed(channel: string, message: Notification): Promise<void>;
}

// The state store is a convenience here: a slow or broken one must not hold back a page.
const STATE_TIMEOUT_MS = 1_000;

function bounded<T>(work: Promise<T>, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), STATE_TIMEOUT_MS);
    work.then(resolve, () => resolve(fallback)).finally(() => clearTimeout(timer));
  });
}

function markKey(channel: string, dedupKey: string, resolve: boolean): string {
  const key = dedupKey.length > 200 ? createHash('sha256').update(dedupKey).digest('hex') : dedupKey;
  return `notify:sent:${channel}:${resolve ? 'resolve' : 'trigger'}:${key}`;
}

/**
 * Delivery marks kept in the state store for `ttlMs`; messages without a dedupKey are never skipped, and when the
 * store fails the message is delivered anyway.
 */
export function createDeliveryMarks(state: StateStore, ttlMs: number): DeliveryMarks {
  return {
    async claim(channel, message) {
      if (message.dedupKey === undefined) return true;
      const key = markKey(channel, message.dedupKey, message.resolve ?? false);
      const claim = await bounded(state.claim(key, ttlMs), { claimed: true } as const);
      return claim.claimed;
    },
    async delivered(channel, message) {
      if (message.dedupKey === undefined) return;
      await bounded(state.delete(markKey(channel, message.dedupKey, !(message.resolve ?? false))), undefined);
    },
    async failed(channel, message) {
      if (message.dedupKey === undefined) return;
      await bounded(state.unclaim(markKey(channel, message.dedupKey, message.resolve ?? false)), undefined);
    },
  };
}
