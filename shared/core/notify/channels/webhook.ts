import type { Channel } from '../../config/index.js';
import { DeliveryError } from '../errors.js';
import { assertSuccess, postJson } from '../http-post.js';
import { notificationDocument } from '../message-text.js';
import type { PrepareChannel } from './channel.js';
import { secretUrl } from './channel.js';

// A generic receiver gets the whole notification, but not an unbounded one.
const TEXT_MAX = 32_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Generic JSON webhook: POSTs the notification document; the URL and header values may be secret references. */
export const prepareWebhook: PrepareChannel<Extract<Channel, { type: 'webhook' }>> = async (channel, message, deps) => {
  const url = secretUrl(
    typeof channel.url === 'string' ? channel.url : await deps.secret(channel.url),
    'the webhook URL',
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(channel.headers ?? {})) {
    if (!HEADER_NAME.test(name))
      throw new DeliveryError(`webhook header name "${name}" is not a valid HTTP header name`, { retryable: false });
    const resolved = typeof value === 'string' ? value : await deps.secret(value);
    if (/[\r\n]/.test(resolved))
      throw new DeliveryError(`webhook header "${name}" contains a line break`, { retryable: false });
    headers[name] = resolved;
  }
  const body = notificationDocument(message, deps.now(), TEXT_MAX);
  return {
    async send(signal) {
      assertSuccess(await postJson(deps.fetch, { url, headers, body }, signal), deps.now());
    },
  };
};
