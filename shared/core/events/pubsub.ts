import * as z from '../schema/index.js';
import { looksLikeCloudMonitoring, parseCloudMonitoring } from './cloud-monitoring.js';
import { fieldError, formatPath, parseOrThrow } from './errors.js';
import { BoundedLabelsSchema, IdPartSchema, Rfc3339Schema, toIsoTime } from './limits.js';
import { type HeaderMap, isJsonObject, jsonType, readHeader, tryParseJson } from './request.js';
import type { Trigger } from './trigger.js';

/** The message attribute our Scheduler jobs set to the job name. */
export const JOB_ATTRIBUTE = 'opsfn-job';

/** The message attribute a continuation carries: its key, which is the run's identity on every path. */
export const CONTINUE_ATTRIBUTE = 'opsfn-continue';

/**
 * Attributes Pub/Sub adds to a message it forwards to a dead-letter topic: how many deliveries failed, and the
 * subscription they failed on (https://cloud.google.com/pubsub/docs/handling-failures).
 */
export const DEAD_LETTER_DELIVERIES = 'CloudPubSubDeadLetterSourceDeliveryCount';
export const DEAD_LETTER_SUBSCRIPTION = 'CloudPubSubDeadLetterSourceSubscription';

/** A Pub/Sub message as pushed or wrapped in a CloudEvent; snake_case twins and `orderingKey` are optional. */
export const PubsubMessageSchema = z.lazy(() =>
  z.object({
    data: z.optional(
      z.string().check(
        z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
        z.refine((text) => text.length % 4 !== 1, 'expected base64'),
      ),
    ),
    attributes: z.nullish(BoundedLabelsSchema),
    messageId: z.optional(IdPartSchema),
    message_id: z.optional(IdPartSchema),
    publishTime: z.optional(Rfc3339Schema),
    publish_time: z.optional(Rfc3339Schema),
    orderingKey: z.optional(z.string()),
  }),
);
export type PubsubMessage = z.infer<typeof PubsubMessageSchema>;

/** A raw push-subscription body, `{ subscription, message }` (https://cloud.google.com/pubsub/docs/push). */
export const PubsubPushSchema = z.lazy(() =>
  z.object({
    subscription: z.string().check(z.minLength(1, 'expected the subscription name'), z.maxLength(1024)),
    message: PubsubMessageSchema,
    deliveryAttempt: z.optional(z.number().check(z.int())),
  }),
);

/** The `data` of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent: `{ message, subscription }`, as Eventarc sends it. */
export const MessagePublishedDataSchema = z.lazy(() =>
  z.object({
    message: PubsubMessageSchema,
    subscription: z.optional(z.string().check(z.maxLength(1024))),
  }),
);

/** Where error messages place a message's data, attributes and id. */
export interface MessagePaths {
  data: PropertyKey[];
  /** Where one attribute sits is this path plus the attribute name. */
  attributes: PropertyKey[];
  messageId: PropertyKey[];
}

/** Where a message sits in its envelope, for triggers and error messages. */
export interface MessageScope {
  format: string;
  /** Path of the message object in the parsed body, e.g. `['data', 'message']`. */
  path: PropertyKey[];
  /** Used when the message itself carries no id (a CloudEvent's `id` is the message id). */
  fallbackId?: string;
  /** Used when the message carries no publish time (a CloudEvent's `time` is the publish time). */
  fallbackTime?: string;
  /** Overrides where error messages place the data, the attributes and the message id. */
  paths?: MessagePaths;
  now: () => Date;
}

function pathsOf(scope: MessageScope): MessagePaths {
  return (
    scope.paths ?? {
      data: [...scope.path, 'data'],
      attributes: [...scope.path, 'attributes'],
      messageId: [...scope.path, 'messageId'],
    }
  );
}

function decodeData(message: PubsubMessage, scope: MessageScope): unknown {
  if (!message.data) return undefined;
  const text = Buffer.from(message.data, 'base64').toString('utf8');
  const parsed = tryParseJson(text);
  if (!parsed.ok) {
    throw fieldError(scope.format, formatPath(pathsOf(scope).data), `expected base64 JSON: ${parsed.reason}`);
  }
  return parsed.value;
}

// A continuation is identified by its key, as when it runs in-process, so a re-published step runs once.
function messageIdentity(message: PubsubMessage, scope: MessageScope, paths: MessagePaths): string {
  const key = message.attributes?.[CONTINUE_ATTRIBUTE];
  if (key !== undefined) {
    return `continue:${parseOrThrow(IdPartSchema, key, scope.format, [...paths.attributes, CONTINUE_ATTRIBUTE])}`;
  }
  const messageId = message.messageId ?? message.message_id ?? scope.fallbackId;
  if (messageId === undefined) {
    throw fieldError(scope.format, formatPath(paths.messageId), 'expected the message id (missing)');
  }
  return `ps:${messageId}`;
}

/** Turns one validated Pub/Sub message into its trigger: a Monitoring alert or an `opsfn-job` scheduled run. */
export function pubsubTriggers(message: PubsubMessage, scope: MessageScope): Trigger[] {
  return messageTriggers(decodeData(message, scope), message, scope);
}

/** Same as {@link pubsubTriggers} for a message whose data is already decoded (an unwrapped push). */
export function messageTriggers(data: unknown, message: PubsubMessage, scope: MessageScope): Trigger[] {
  const paths = pathsOf(scope);
  const dataPath = formatPath(paths.data);
  if (isJsonObject(data) && looksLikeCloudMonitoring(data)) {
    return [parseCloudMonitoring(data, scope.format, paths.data)];
  }
  const job = message.attributes?.[JOB_ATTRIBUTE];
  if (job === undefined) {
    const what = data === undefined ? 'an empty message' : `a JSON ${jsonType(data)}`;
    throw fieldError(
      scope.format,
      dataPath,
      `expected a Cloud Monitoring incident (version 1.2) or a payload with attribute "${JOB_ATTRIBUTE}", got ${what}`,
    );
  }
  const jobName = parseOrThrow(IdPartSchema, job, scope.format, [...paths.attributes, JOB_ATTRIBUTE]);
  if (data !== undefined && !isJsonObject(data)) {
    throw fieldError(scope.format, dataPath, `expected a JSON object payload, got ${jsonType(data)}`);
  }
  const id = messageIdentity(message, scope, paths);
  const published = message.publishTime ?? message.publish_time ?? scope.fallbackTime;
  const dead = deadLetterOf(message, scope, paths);
  return [
    {
      kind: 'scheduled',
      // Its own identity: the failed deliveries may still hold the original's claim.
      id: dead ? `dead:${id}` : id,
      job: jobName,
      scheduledAt: published ? toIsoTime(published) : scope.now().toISOString(),
      payload: data ?? {},
      ...(dead ? { deadLettered: dead } : {}),
    },
  ];
}

const DeliveriesSchema = z.lazy(() => z.string().check(z.regex(/^\d{1,6}$/, 'expected a delivery count')));

function deadLetterOf(message: PubsubMessage, scope: MessageScope, paths: MessagePaths) {
  const deliveries = message.attributes?.[DEAD_LETTER_DELIVERIES];
  if (deliveries === undefined) return undefined;
  const count = parseOrThrow(DeliveriesSchema, deliveries, scope.format, [...paths.attributes, DEAD_LETTER_DELIVERIES]);
  const subscription = message.attributes?.[DEAD_LETTER_SUBSCRIPTION] ?? 'unknown';
  return { deliveries: Number(count), subscription: subscription.slice(0, 300) };
}

/** Parses a raw Pub/Sub push body (emulator or push subscription) into its triggers. */
export function parsePubsubPush(body: unknown, now: () => Date): Trigger[] {
  const push = parseOrThrow(PubsubPushSchema, body, 'pubsub-push');
  return pubsubTriggers(push.message, { format: 'pubsub-push', path: ['message'], now });
}

/** Whether a JSON object carries the markers of a raw Pub/Sub push body. */
export function looksLikePubsubPush(body: Record<string, unknown>): boolean {
  return 'subscription' in body || isJsonObject(body.message);
}

const UNWRAPPED = 'pubsub-unwrapped';
const MESSAGE_ID = 'x-goog-pubsub-message-id';
const PUBLISH_TIME = 'x-goog-pubsub-publish-time';

/**
 * Whether a request is an unwrapped push (`push_config.no_wrapper { write_metadata = true }`): the body
 * is the message data, attributes and metadata arrive as headers
 * (https://cloud.google.com/pubsub/docs/payload-unwrapping).
 */
export function isUnwrappedPush(headers: HeaderMap): boolean {
  return readHeader(headers, MESSAGE_ID) !== undefined;
}

/**
 * Parses an unwrapped push from its headers and already-parsed body. Only the `opsfn-job`, `opsfn-continue`
 * and dead-letter attributes are read: any other header is indistinguishable from ordinary HTTP headers.
 */
export function parseUnwrappedPush(headers: HeaderMap, data: unknown, now: () => Date): Trigger[] {
  const attributes: Record<string, string> = {};
  for (const name of [JOB_ATTRIBUTE, CONTINUE_ATTRIBUTE, DEAD_LETTER_DELIVERIES, DEAD_LETTER_SUBSCRIPTION]) {
    const value = readHeader(headers, name);
    if (value !== undefined) attributes[name] = value;
  }
  const rawTime = readHeader(headers, PUBLISH_TIME);
  const message: PubsubMessage = {
    messageId: parseOrThrow(IdPartSchema, readHeader(headers, MESSAGE_ID), UNWRAPPED, ['headers', MESSAGE_ID]),
    attributes,
  };
  if (rawTime !== undefined) {
    message.publishTime = parseOrThrow(Rfc3339Schema, rawTime, UNWRAPPED, ['headers', PUBLISH_TIME]);
  }
  return messageTriggers(data, message, {
    format: UNWRAPPED,
    path: [],
    paths: { data: ['body'], attributes: ['headers'], messageId: ['headers', MESSAGE_ID] },
    now,
  });
}
