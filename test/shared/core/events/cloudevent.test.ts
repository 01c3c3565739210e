import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../../../shared/core/errors/index.js';
import { MESSAGE_PUBLISHED, parseCloudEvent } from '../../../../shared/core/events/index.js';
import { base64Json, fixtureJson, intakeOptions } from './load-fixture.js';

const event = (data: unknown, extra: object = {}) => ({
  specversion: '1.0',
  type: MESSAGE_PUBLISHED,
  source: '//pubsub.googleapis.com/projects/p/topics/schedules',
  id: '77',
  data,
  ...extra,
});
const jobMessage = { data: base64Json({ a: 1 }), attributes: { 'opsfn-job': 'nightly' } };

describe('parseCloudEvent', () => {
  it('parses the raw push body the framework passes through for an attributes-only message', () => {
    expect(parseCloudEvent(fixtureJson('pubsub-push/attributes-only'), intakeOptions)).toEqual({
      format: 'pubsub-push',
      triggers: [
        {
          kind: 'scheduled',
          id: 'ps:13',
          job: 'cert-expiry-daily',
          scheduledAt: '2026-11-22T09:00:00.051Z',
          payload: {},
        },
      ],
    });
  });

  it('parses a Monitoring incident delivered through Eventarc', () => {
    const intake = parseCloudEvent(fixtureJson('cloudevent/eventarc-monitoring'), intakeOptions);
    expect(intake.format).toBe('cloudevent-structured');
    expect(intake.triggers).toMatchObject([{ kind: 'alert', id: 'cm:0.opqiw61fsv7p:closed' }]);
  });

  it('falls back to the event id and the clock when the message has neither', () => {
    expect(parseCloudEvent(event({ message: jobMessage }), intakeOptions).triggers).toEqual([
      { kind: 'scheduled', id: 'ps:77', job: 'nightly', scheduledAt: '2026-11-22T12:00:00.000Z', payload: { a: 1 } },
    ]);
  });

  it('takes the event time as the schedule time when the message has no publish time', () => {
    const withTime = event({ message: jobMessage }, { time: '2026-11-22T04:00:00.250Z' });
    expect(parseCloudEvent(withTime, intakeOptions).triggers[0]).toMatchObject({
      scheduledAt: '2026-11-22T04:00:00.250Z',
    });
  });

  it('identifies a continuation by its key rather than by the message id', () => {
    const message = {
      ...jobMessage,
      attributes: { 'opsfn-job': 'continue:drDrill', 'opsfn-continue': 'drill-q4:step-3' },
    };
    expect(parseCloudEvent(event({ message }), intakeOptions).triggers[0]).toMatchObject({
      id: 'continue:drill-q4:step-3',
      job: 'continue:drDrill',
    });
  });

  it('marks a continuation that came back through a dead-letter topic, under an identity of its own', () => {
    const message = {
      ...jobMessage,
      attributes: {
        'opsfn-job': 'continue:certExpiry',
        'opsfn-continue': 'run-1:shard:2:ab12',
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
        CloudPubSubDeadLetterSourceSubscription: 'cert-expiry-shards-cert-expiry',
      },
    };
    expect(parseCloudEvent(event({ message }), intakeOptions).triggers[0]).toMatchObject({
      id: 'dead:continue:run-1:shard:2:ab12',
      job: 'continue:certExpiry',
      deadLettered: { deliveries: 5, subscription: 'cert-expiry-shards-cert-expiry' },
    });
    const bad = { ...message, attributes: { ...message.attributes, CloudPubSubDeadLetterSourceDeliveryCount: 'many' } };
    expect(() => parseCloudEvent(event({ message: bad }), intakeOptions)).toThrow(
      'cloudevent-structured: data.message.attributes.CloudPubSubDeadLetterSourceDeliveryCount: expected a delivery count',
    );
  });

  it('reads the snake_case twins when only they are present', () => {
    const message = { ...jobMessage, message_id: '91', publish_time: '2026-11-22T03:00:00Z' };
    expect(parseCloudEvent(event({ message }), intakeOptions).triggers[0]).toMatchObject({
      id: 'ps:91',
      scheduledAt: '2026-11-22T03:00:00.000Z',
    });
  });

  it.each([
    ['JSON text', (data: object) => event(JSON.stringify(data))],
    ['a Buffer', (data: object) => event(Buffer.from(JSON.stringify(data)))],
    ['data_base64', (data: object) => event(undefined, { data_base64: base64Json(data) })],
  ])('accepts event data given as %s', (_, build) => {
    expect(parseCloudEvent(build({ message: jobMessage }), intakeOptions).triggers[0]).toMatchObject({
      job: 'nightly',
    });
  });

  it.each([
    ['a non-object event', 'hello', 'cloudevent: body: expected a CloudEvent object'],
    ['data that is not JSON', event('{oops'), /^cloudevent-structured: data: expected JSON: /],
    [
      'data without message',
      event({ subscription: 's' }),
      'cloudevent-structured: data.message: expected object (missing)',
    ],
    [
      'a bad publish time',
      event({ message: { ...jobMessage, publishTime: 'soon' } }),
      'cloudevent-structured: data.message.publishTime: expected RFC 3339 time',
    ],
    [
      'an empty job name',
      event({ message: { ...jobMessage, attributes: { 'opsfn-job': '' } } }),
      'cloudevent-structured: data.message.attributes.opsfn-job: expected a non-empty string',
    ],
    [
      'an empty continuation key',
      event({ message: { ...jobMessage, attributes: { 'opsfn-job': 'j', 'opsfn-continue': '' } } }),
      'cloudevent-structured: data.message.attributes.opsfn-continue: expected a non-empty string',
    ],
  ])('rejects %s naming the field', (_, input, message) => {
    expect(() => parseCloudEvent(input, intakeOptions)).toThrow(BadInputError);
    expect(() => parseCloudEvent(input, intakeOptions)).toThrow(message);
  });
});
