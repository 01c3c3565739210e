import type { SecretRef } from '../../config/index.js';
import { DeliveryError } from '../errors.js';
import type { Notification } from '../notification.js';

/** Publishes one message to a Pub/Sub topic (`projects/P/topics/T`) and returns its message id. */
export type Publisher = (
  topic: string,
  data: Buffer,
  attributes: Record<string, string>,
  signal: AbortSignal,
) => Promise<string>;

/** What a channel adapter may use; nothing else reaches it. */
export interface ChannelDeps {
  fetch: typeof fetch;
  now: () => Date;
  /** Resolves a secret reference; every value it returns is redacted from errors. */
  secret: (ref: SecretRef) => Promise<string>;
  publish: Publisher;
}

/** A delivery ready to attempt: secrets resolved, body built; `send` is called once per attempt. */
export interface PreparedDelivery {
  send(signal: AbortSignal): Promise<void>;
}

/** Resolves a channel's secrets and builds the request for one notification. */
export type PrepareChannel<C> = (channel: C, message: Notification, deps: ChannelDeps) => Promise<PreparedDelivery>;

/** Parses a secret that must be an http(s) URL; the error never quotes the value. */
export function secretUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new DeliveryError(`${what} is not a valid URL`, { retryable: false });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DeliveryError(`${what} must be an http(s) URL`, { retryable: false });
  return url.toString();
}
