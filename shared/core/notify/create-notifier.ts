import { setTimeout as delay } from 'node:timers/promises';
import { Redactor } from '../audit/index.js';
import type { Channel, NotifyConfig, SecretRef } from '../config/index.js';
import { entryOf, literalSecrets, summarizeZodIssues } from '../config/index.js';
import type { StateStore } from '../state/index.js';
import type { ChannelDeps, PrepareChannel, PreparedDelivery, Publisher } from './channels/channel.js';
import { prepareFeishu } from './channels/feishu.js';
import { preparePagerDuty } from './channels/pagerduty.js';
import { preparePubSub, publishWithClient } from './channels/pubsub.js';
import { prepareSlack } from './channels/slack.js';
import { prepareWebhook } from './channels/webhook.js';
import { createDeliveryMarks, type DeliveryMarks } from './dedup.js';
import { reportedError } from './http-post.js';
import { type DeliveryResult, type Notification, NotificationSchema, type Notifier } from './notification.js';
import { type RetryPolicy, runWithRetry, type Sleep } from './retry.js';
import { routeChannels } from './routing.js';

/** What `createNotifier` needs besides the config; everything but `secret` has a production default. */
export interface NotifierOptions {
  /** Resolves a secret reference (webhook URLs, routing keys, signing secrets, header values). */
  secret: (ref: SecretRef) => Promise<string>;
  fetch?: typeof fetch;
  sleep?: Sleep;
  now?: () => Date;
  /** Publishes to Pub/Sub; defaults to `@google-cloud/pubsub`, loaded on first use. */
  publish?: Publisher;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /** When given, a message with a dedupKey goes to each channel at most once per `dedupTtlMs`. */
  state?: StateStore;
  /** How long a delivered dedupKey suppresses repeats; default 4 hours, like Alertmanager's `repeat_interval`. */
  dedupTtlMs?: number;
  /** The process's redactor; channel secrets join it as they are read. A notifier of its own when omitted. */
  redactor?: Redactor;
  /** Backoff tuning: first delay, longest delay, longest honoured `Retry-After` (defaults 500 ms, 8 s, 30 s). */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number; retryAfterCapMs?: number };
}

const PREPARE: { [T in Channel['type']]: PrepareChannel<Extract<Channel, { type: T }>> } = {
  slack: prepareSlack,
  pagerduty: preparePagerDuty,
  feishu: prepareFeishu,
  webhook: prepareWebhook,
  pubsub: preparePubSub,
};

function prepareFor(channel: Channel, message: Notification, deps: ChannelDeps): Promise<PreparedDelivery> {
  return (PREPARE[channel.type] as PrepareChannel<Channel>)(channel, message, deps);
}

/** The channel name reported when the message itself is invalid and no route was consulted. */
export const INVALID_CHANNEL = '(none)';

const sleepWithSignal: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/**
 * Builds the notifier: routes each message to its channels, delivers to them concurrently with a timeout and retries
 * per attempt, and reports each delivery; it never throws and never puts a secret in an error.
 * @example const results = await createNotifier(estate.notify, { secret: ctx.secret }).notify({ severity: 'critical', title: 'Backup stale', text: '…' });
 */
export function createNotifier(config: NotifyConfig, options: NotifierOptions): Notifier {
  const now = options.now ?? (() => new Date());
  const policy: RetryPolicy = {
    retries: config.retries,
    timeoutMs: config.timeout,
    baseDelayMs: options.backoff?.baseDelayMs ?? 500,
    maxDelayMs: options.backoff?.maxDelayMs ?? 8_000,
    retryAfterCapMs: options.backoff?.retryAfterCapMs ?? 30_000,
    sleep: options.sleep ?? sleepWithSignal,
    random: options.random ?? Math.random,
  };
  const redactor = options.redactor ?? new Redactor();
  // Literal webhook URLs and header values are as secret as referenced ones: a receiver may echo them.
  for (const { value, url } of literalSecrets(config.channels)) redactor.add(value, { url });
  const marks = options.state ? createDeliveryMarks(options.state, options.dedupTtlMs ?? 4 * 3_600_000) : undefined;

  /**
   * The channels a message goes to: its severity's routes, and for a resolve also every channel that carried a
   * trigger of its dedupKey. A recovery is sent as info while the page it resolves was critical, and PagerDuty
   * keeps an incident open until the resolve reaches the channel that opened it.
   */
  async function channelsFor(message: Notification): Promise<string[]> {
    const bySeverity = routeChannels(config.routes, message);
    const { dedupKey } = message;
    if (!message.resolve || dedupKey === undefined || !marks) return bySeverity;
    const carried: string[] = [];
    for (const name of routeChannels(config.routes, message, { anySeverity: true })) {
      if (!bySeverity.includes(name) && (await marks.carried(name, dedupKey))) carried.push(name);
    }
    return [...bySeverity, ...carried];
  }

  async function deliver(name: string, message: Notification, signal?: AbortSignal): Promise<DeliveryResult> {
    const channel = entryOf(config.channels, name);
    if (channel === undefined) {
      return { channel: name, ok: false, attempts: 0, error: `channel "${name}" is not defined in notify.channels` };
    }
    if (marks && !(await marks.claim(name, message))) return { channel: name, ok: true, attempts: 0, duplicate: true };
    const deps: ChannelDeps = {
      fetch: options.fetch ?? fetch,
      now,
      publish: options.publish ?? publishWithClient,
      secret: async (ref) => {
        const value = await options.secret(ref);
        redactor.add(value, { url: true });
        return value;
      },
    };
    let prepared: PreparedDelivery | undefined;
    const outcome = await runWithRetry(
      async (attemptSignal) => {
        prepared ??= await prepareFor(channel, message, deps);
        await prepared.send(attemptSignal);
      },
      policy,
      signal,
    );
    await settle(marks, name, message, outcome.ok);
    if (outcome.ok) return { channel: name, ok: true, attempts: outcome.attempts };
    const detail = outcome.error?.message ?? 'unknown failure';
    return {
      channel: name,
      ok: false,
      attempts: outcome.attempts,
      error: reportedError(`${channel.type}: ${detail}`, (text) => redactor.scrub(text)),
    };
  }

  return {
    async notify(message, notifyOptions = {}) {
      let names: string[] = [];
      try {
        const parsed = NotificationSchema.safeParse(message);
        if (!parsed.success) {
          const error = `invalid notification: ${summarizeZodIssues(parsed.error)}`;
          return [{ channel: INVALID_CHANNEL, ok: false, attempts: 0, error }];
        }
        names = await channelsFor(message);
        return await Promise.all(names.map((name) => deliver(name, message, notifyOptions.signal)));
      } catch (error) {
        // Only a bug lands here; it must still not fail the run that is reporting.
        const detail = error instanceof Error ? error.name : 'error';
        return names.map((name) => ({ channel: name, ok: false, attempts: 0, error: `notifier failed (${detail})` }));
      }
    },
  };
}

async function settle(
  marks: DeliveryMarks | undefined,
  name: string,
  message: Notification,
  ok: boolean,
): Promise<void> {
  if (!marks) return;
  if (ok) await marks.delivered(name, message);
  else await marks.failed(name, message);
}
