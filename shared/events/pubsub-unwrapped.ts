import { parseOrThrow } from './errors.js';
import { IdPartSchema, Rfc3339Schema } from './limits.js';
import { JOB_ATTRIBUTE, messageTriggers, type PubsubMessage } from './pubsub.js';
import { type HeaderMap, readHeader } from './request.js';
import type { Trigger } from './trigger.js';

const FORMAT = 'pubsub-unwrapped';
const MESSAGE_ID = 'x-goog-pubsub-message-id';
const PUBLISH_TIME = 'x-goog-pubsub-publish-time';

/**
 * Whether a request is an unwrapped push (`push_config.no_wrapper { write_metadata = true }`): the body
 * is the message data, attributes and metadata arrive as headers (WIRE.md §8.1).
 */
export function isUnwrappedPush(headers: HeaderMap): boolean {
  return readHeader(headers, MESSAGE_ID) !== undefined;
}

/**
 * Parses an unwrapped push from its headers and already-parsed body. Only the `opsfn-job` attribute is
 * read: every other header is indistinguishable from ordinary HTTP headers.
 */
export function parseUnwrappedPush(headers: HeaderMap, data: unknown, now: () => Date): Trigger[] {
  const job = readHeader(headers, JOB_ATTRIBUTE);
  const rawTime = readHeader(headers, PUBLISH_TIME);
  const message: PubsubMessage = {
    messageId: parseOrThrow(IdPartSchema, readHeader(headers, MESSAGE_ID), FORMAT, ['headers', MESSAGE_ID]),
    attributes: job === undefined ? {} : { [JOB_ATTRIBUTE]: job },
  };
  if (rawTime !== undefined) {
    message.publishTime = parseOrThrow(Rfc3339Schema, rawTime, FORMAT, ['headers', PUBLISH_TIME]);
  }
  return messageTriggers(data, message, {
    format: FORMAT,
    path: [],
    paths: { data: ['body'], job: ['headers', JOB_ATTRIBUTE], messageId: ['headers', MESSAGE_ID] },
    now,
  });
}
