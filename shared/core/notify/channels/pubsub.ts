import type { Channel } from '../../config/index.js';
import { errorMessage } from '../../errors/index.js';
import { DeliveryError } from '../errors.js';
import { notificationDocument } from '../message-text.js';
import type { Notification } from '../notification.js';
import type { PrepareChannel, Publisher } from './channel.js';

// Pub/Sub takes 10 MB messages; a notification has no business being near that.
const TEXT_MAX = 32_000;
// gRPC codes worth another attempt: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
const RETRYABLE_CODES = new Set([4, 8, 10, 13, 14]);

/** The attributes a subscriber can filter on without parsing the data. */
export function pubSubAttributes(message: Notification): Record<string, string> {
  return {
    source: 'opsfn',
    severity: message.severity,
    resolve: String(message.resolve ?? false),
    ...(message.function ? { function: message.function } : {}),
    ...(message.dedupKey ? { dedupKey: message.dedupKey } : {}),
  };
}

/**
 * Publishes with `@google-cloud/pubsub`, loaded on first use; a client per call because notifications are rare and
 * a run must not leave channels open. Honours `PUBSUB_EMULATOR_HOST` like every Google client.
 */
export const publishWithClient: Publisher = async (topic, data, attributes, signal) => {
  const projectId = topic.split('/')[1];
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId });
  const close = () => client.close().catch(() => undefined);
  signal.addEventListener('abort', close, { once: true });
  try {
    // One message, sent at once: no batching delay inside the attempt's time budget.
    return await client.topic(topic, { batching: { maxMessages: 1, maxMilliseconds: 0 } }).publishMessage({
      data,
      attributes,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const detail = errorMessage(error);
    throw new DeliveryError(`Pub/Sub publish failed: ${detail}`, {
      retryable: typeof code !== 'number' || RETRYABLE_CODES.has(code),
      cause: error,
    });
  } finally {
    signal.removeEventListener('abort', close);
    await close();
  }
};

/** Pub/Sub topic: publishes the notification document with filterable attributes. */
export const preparePubSub: PrepareChannel<Extract<Channel, { type: 'pubsub' }>> = async (channel, message, deps) => {
  const data = Buffer.from(JSON.stringify(notificationDocument(message, deps.now(), TEXT_MAX)), 'utf8');
  const attributes = pubSubAttributes(message);
  return {
    async send(signal) {
      await deps.publish(channel.topic, data, attributes, signal);
    },
  };
};
