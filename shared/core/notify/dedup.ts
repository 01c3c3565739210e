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
  /** Whether `channel` delivered a trigger with this dedupKey that no resolve has cleared (true when unknown). */
  carried(channel: string, dedupKey: string): Promise<boolean>;
}

// The state store is a convenience here: a slow or broken one must not hold back a page.
const STATE_TIMEOUT_MS = 1_000;
// How many distinct messages of one dedupKey a channel's record keeps (an incident has a handful).
const MAX_KINDS = 32;

function bounded<T>(work: Promise<T>, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), STATE_TIMEOUT_MS);
    work.then(resolve, () => resolve(fallback)).finally(() => clearTimeout(timer));
  });
}

const hashed = (text: string) => createHash('sha256').update(text).digest('hex');
const keyOf = (dedupKey: string) => (dedupKey.length > 200 ? hashed(dedupKey) : dedupKey);

/**
 * What makes a trigger a repeat: its severity and title. An incident's messages share a dedupKey (PagerDuty groups
 * them by it) but say different things, "rolled back" then "still failing: escalating", and each must go out;
 * only the same message again is a repeat. The text is left out: it carries figures that change every run.
 */
const kindOf = (message: Notification) => hashed(`${message.severity}\n${message.title}`).slice(0, 16);

const triggerKey = (channel: string, dedupKey: string, kind: string) =>
  `notify:sent:${channel}:trigger:${keyOf(dedupKey)}:${kind}`;

function markKey(channel: string, message: Notification, dedupKey: string): string {
  return message.resolve
    ? `notify:sent:${channel}:resolve:${keyOf(dedupKey)}`
    : triggerKey(channel, dedupKey, kindOf(message));
}

/** The triggers a channel delivered under one dedupKey: their kinds, so a resolve can clear every one. */
const carriedKey = (channel: string, dedupKey: string) => `notify:carried:${channel}:${keyOf(dedupKey)}`;

/**
 * How long a channel is known to carry an incident, whatever the repeat window: an outage of days must still
 * have its resolve reach the pager that opened it.
 */
const CARRIED_TTL_MS = 30 * 86_400_000;

/**
 * Delivery marks kept in the state store for `ttlMs`; messages without a dedupKey are never skipped, and when the
 * store fails the message is delivered anyway.
 */
export function createDeliveryMarks(state: StateStore, ttlMs: number): DeliveryMarks {
  return {
    async claim(channel, message) {
      if (message.dedupKey === undefined) return true;
      const claim = await bounded(state.claim(markKey(channel, message, message.dedupKey), ttlMs), {
        claimed: true,
      } as const);
      return claim.claimed;
    },
    async delivered(channel, message) {
      const { dedupKey } = message;
      if (dedupKey === undefined) return;
      const carried = carriedKey(channel, dedupKey);
      if (message.resolve) {
        // Every trigger of the key goes out again after a resolve: the incident may come back.
        const kinds = (await bounded(state.get<string[]>(carried), undefined)) ?? [];
        for (const kind of kinds) await bounded(state.unclaim(triggerKey(channel, dedupKey, kind)), undefined);
        await bounded(state.delete(carried), undefined);
        return;
      }
      await bounded(state.unclaim(markKey(channel, { ...message, resolve: true }, dedupKey)), undefined);
      const kinds = (await bounded(state.get<string[]>(carried), undefined)) ?? [];
      const kind = kindOf(message);
      const next = [...kinds.filter((k) => k !== kind), kind].slice(-MAX_KINDS);
      await bounded(state.put(carried, next, Math.max(ttlMs, CARRIED_TTL_MS)), undefined);
    },
    async failed(channel, message) {
      if (message.dedupKey === undefined) return;
      await bounded(state.unclaim(markKey(channel, message, message.dedupKey)), undefined);
    },
    async carried(channel, dedupKey) {
      const kinds = await bounded(
        state.get<string[]>(carriedKey(channel, dedupKey)).then((k) => k ?? []),
        ['(unknown)'],
      );
      return kinds.length > 0;
    },
  };
}
