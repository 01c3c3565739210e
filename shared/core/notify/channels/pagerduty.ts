import { createHash } from 'node:crypto';
import type { Channel } from '../../config/index.js';
import { DeliveryError } from '../errors.js';
import { assertSuccess, postJson } from '../http-post.js';
import { httpLinks, truncate } from '../message-text.js';
import type { Notification } from '../notification.js';
import type { PrepareChannel } from './channel.js';

/** The Events API v2 endpoint; a channel's `url` overrides it. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

// Events API v2 limits: summary 1024 characters, dedup_key 255, whole event 512 KB.
const SUMMARY_MAX = 1_024;
const DEDUP_MAX = 255;
const DETAIL_TEXT_MAX = 16_000;
const MAX_LINKS = 20;

/** The dedup_key sent: the notification's own, hashed when longer than PagerDuty allows; derived when absent. */
export function pagerDutyDedupKey(message: Notification): string {
  const key = message.dedupKey ?? `opsfn:${message.function ?? ''}:${message.title}`;
  if (message.dedupKey !== undefined && key.length <= DEDUP_MAX) return key;
  return `opsfn-${createHash('sha256').update(key).digest('hex')}`;
}

/** Builds the Events API v2 event: `trigger` with payload and links, or `resolve` with the same dedup_key. */
export function buildPagerDutyEvent(message: Notification, routingKey: string, now: Date): Record<string, unknown> {
  const dedupKey = pagerDutyDedupKey(message);
  if (message.resolve) return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(message.title, SUMMARY_MAX),
      source: message.function ? `opsfn/${message.function}` : 'opsfn',
      severity: message.severity,
      timestamp: now.toISOString(),
      ...(message.function ? { component: message.function } : {}),
      custom_details: { ...message.fields, text: truncate(message.text, DETAIL_TEXT_MAX) },
    },
    links: httpLinks(message, MAX_LINKS).map((link) => ({ href: link.url, text: link.title })),
    client: 'opsfn',
  };
}

/** PagerDuty Events API v2: a resolve needs the dedupKey of the trigger it closes. */
export const preparePagerDuty: PrepareChannel<Extract<Channel, { type: 'pagerduty' }>> = async (
  channel,
  message,
  deps,
) => {
  if (message.resolve && message.dedupKey === undefined) {
    throw new DeliveryError('a PagerDuty resolve needs the dedupKey of the incident it resolves', { retryable: false });
  }
  const routingKey = (await deps.secret(channel.routingKey)).trim();
  if (routingKey === '') throw new DeliveryError('the PagerDuty routing key is empty', { retryable: false });
  const url = channel.url ?? PAGERDUTY_EVENTS_URL;
  const body = buildPagerDutyEvent(message, routingKey, deps.now());
  return {
    async send(signal) {
      assertSuccess(await postJson(deps.fetch, { url, body }, signal), deps.now());
    },
  };
};
