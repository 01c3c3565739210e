import * as z from '../schema/index.js';
import { fieldError, formatPath, parseOrThrow } from './errors.js';
import { IdPartSchema, Rfc3339Schema } from './limits.js';
import { looksLikePubsubPush, MessagePublishedDataSchema, parsePubsubPush, pubsubTriggers } from './pubsub.js';
import { cloudEventHeaders, type HeaderMap, isJsonObject, tryParseJson } from './request.js';
import type { Intake, Trigger } from './trigger.js';

/** The only CloudEvent type opsfn functions subscribe to (Eventarc Pub/Sub trigger). */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** The context attributes of a CloudEvent 1.0 that intake reads. */
export const CloudEventAttributesSchema = z.lazy(() => z.object(cloudEventAttributesShape()));
type CloudEventAttributes = z.infer<typeof CloudEventAttributesSchema>;

function cloudEventAttributesShape() {
  return {
    specversion: z.literal('1.0'),
    type: z.string().check(z.minLength(1, 'expected the event type'), z.maxLength(1024)),
    source: z.string().check(z.minLength(1, 'expected the event source'), z.maxLength(4096)),
    id: IdPartSchema,
    time: z.optional(Rfc3339Schema),
  };
}

const BinaryAttributesSchema = z.lazy(() => {
  const attributes = cloudEventAttributesShape();
  return z.pipe(
    z.object({
      'ce-specversion': attributes.specversion,
      'ce-type': attributes.type,
      'ce-source': attributes.source,
      'ce-id': attributes.id,
      'ce-time': attributes.time,
    }),
    z.transform((h) => ({
      specversion: h['ce-specversion'],
      type: h['ce-type'],
      source: h['ce-source'],
      id: h['ce-id'],
      time: h['ce-time'],
    })),
  );
});

interface EventScope {
  format: string;
  dataPath: PropertyKey[];
  now: () => Date;
}

function eventTriggers(
  attributes: CloudEventAttributes,
  data: unknown,
  scope: EventScope,
  typePath: string,
): Trigger[] {
  if (attributes.type !== MESSAGE_PUBLISHED) {
    throw fieldError(scope.format, typePath, `expected "${MESSAGE_PUBLISHED}", got ${JSON.stringify(attributes.type)}`);
  }
  const published = parseOrThrow(MessagePublishedDataSchema, data, scope.format, scope.dataPath);
  return pubsubTriggers(published.message, {
    format: scope.format,
    path: [...scope.dataPath, 'message'],
    fallbackId: attributes.id,
    ...(attributes.time ? { fallbackTime: attributes.time } : {}),
    now: scope.now,
  });
}

/** Parses a binary-mode CloudEvent: attributes from the `ce-*` headers, `data` = the parsed body. */
export function parseBinaryCloudEvent(headers: HeaderMap, data: unknown, now: () => Date): Trigger[] {
  const format = 'cloudevent-binary';
  const attributes = parseOrThrow(BinaryAttributesSchema, cloudEventHeaders(headers), format, ['headers']);
  return eventTriggers(attributes, data, { format, dataPath: [], now }, 'headers.ce-type');
}

// Structured mode may carry binary data as `data_base64`; functions-framework may hand data over as text.
function structuredData(event: Record<string, unknown>, format: string): unknown {
  const raw =
    event.data === undefined && typeof event.data_base64 === 'string'
      ? Buffer.from(event.data_base64, 'base64').toString('utf8')
      : event.data;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (typeof text !== 'string') return text;
  const parsed = tryParseJson(text);
  if (!parsed.ok) throw fieldError(format, 'data', `expected JSON: ${parsed.reason}`);
  return parsed.value;
}

/** Parses a structured-mode CloudEvent (a JSON object with `specversion`) into its triggers. */
export function parseStructuredCloudEvent(event: unknown, now: () => Date): Trigger[] {
  const format = 'cloudevent-structured';
  const attributes = parseOrThrow(CloudEventAttributesSchema, event, format);
  const data = isJsonObject(event) ? structuredData(event, format) : undefined;
  return eventTriggers(attributes, data, { format, dataPath: ['data'], now }, 'type');
}

/**
 * Parses what functions-framework hands a `cloudEvent` function: a CloudEvent, or the raw Pub/Sub push
 * body it passes through unconverted when `message.data` is empty, as for an attributes-only message
 * (functions-framework's `src/pubsub_middleware.ts` converts only a push with data and a message id).
 */
export function parseCloudEvent(event: unknown, options: { newId: () => string; now: () => Date }): Intake {
  if (!isJsonObject(event)) throw fieldError('cloudevent', formatPath([]), 'expected a CloudEvent object');
  if (!('specversion' in event) && looksLikePubsubPush(event)) {
    return { format: 'pubsub-push', triggers: parsePubsubPush(event, options.now) };
  }
  return { format: 'cloudevent-structured', triggers: parseStructuredCloudEvent(event, options.now) };
}
