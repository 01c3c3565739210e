import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../../../shared/core/errors/index.js';
import { parseRequest } from '../../../../shared/core/events/index.js';
import { base64Json, fixtureJson, intakeOptions, jsonRequest } from './load-fixture.js';

const ce = {
  'ce-specversion': '1.0',
  'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
  'ce-source': '//pubsub.googleapis.com/projects/p/topics/t',
  'ce-id': '5',
};
const amAlert = {
  status: 'firing',
  labels: { alertname: 'HighErrorRate' },
  startsAt: '2026-01-01T10:00:00Z',
  fingerprint: 'c6eadffa33fcdf37',
};
const am = (alert: object) => ({ version: '4', alerts: [{ ...amAlert, ...alert }] });
const incident = (fixtureJson('cloud-monitoring/open') as { incident: Record<string, unknown> }).incident;
const cm = (change: object) => ({ version: '1.2', incident: { ...incident, ...change } });
const push = (message: object) => ({
  subscription: 'projects/p/subscriptions/s',
  message: { messageId: '1', ...message },
});
const manyLabels = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`l${i}`, 'v']));

const rejected: [string, unknown, Record<string, string>, string | RegExp][] = [
  ['malformed JSON', '{"version": "4",', {}, /^body is not valid JSON: /],
  ['a JSON array', '[1, 2]', {}, 'body: expected a JSON object, got array'],
  ['a JSON string', '"run"', {}, 'body: expected a JSON object, got string'],
  ['JSON null', 'null', {}, 'body: expected a JSON object, got null'],
  [
    'a bad RFC 3339 time',
    am({ startsAt: 'yesterday' }),
    {},
    'alertmanager: alerts[0].startsAt: expected RFC 3339 time',
  ],
  [
    'a missing alertname',
    am({ labels: { severity: 'page' } }),
    {},
    'alertmanager: alerts[0].labels.alertname: expected a non-empty label',
  ],
  ['a wrong status', am({ status: 'pending' }), {}, /^alertmanager: alerts\[0\]\.status: expected one of "firing"/],
  [
    'a numeric label',
    am({ labels: { alertname: 'X', code: 500 } }),
    {},
    /^alertmanager: alerts\[0\]\.labels\.code: expected string/,
  ],
  [
    'a non-hex fingerprint',
    am({ fingerprint: 'x:y' }),
    {},
    'alertmanager: alerts[0].fingerprint: expected a hex fingerprint',
  ],
  [
    'too many labels',
    am({ labels: { alertname: 'X', ...manyLabels } }),
    {},
    'alertmanager: alerts[0].labels: expected at most 256 entries',
  ],
  [
    'alerts that are not an array',
    { version: '4', alerts: {} },
    {},
    'alertmanager: alerts: expected an array of alerts',
  ],
  ['an empty batch', { version: '4', alerts: [] }, {}, 'alertmanager: alerts: expected at least one alert'],
  [
    'an oversize batch',
    { version: '4', alerts: Array.from({ length: 1001 }, () => amAlert) },
    {},
    'alertmanager: alerts: expected at most 1000 alerts per batch',
  ],
  ['an unknown webhook version', { ...am({}), version: '5' }, {}, 'alertmanager: version: expected "4"'],
  ['Grafana without version', { orgId: 1, alerts: [amAlert] }, {}, 'grafana: version: expected "1"'],
  [
    'an unknown incident state',
    cm({ state: 'opened' }),
    {},
    /^cloud-monitoring: incident\.state: expected one of "open"/,
  ],
  [
    'a text started_at',
    cm({ started_at: '1767225600' }),
    {},
    'cloud-monitoring: incident.started_at: expected epoch seconds',
  ],
  [
    'a missing incident_id',
    cm({ incident_id: undefined }),
    {},
    'cloud-monitoring: incident.incident_id: expected string (missing)',
  ],
  ['an incident marker without version', { incident: 'INC-1' }, {}, 'cloud-monitoring: version: expected "1.2"'],
  ['non-base64 message data', push({ data: 'not base64!' }), {}, 'pubsub-push: message.data: expected base64'],
  [
    'message data that is not JSON',
    push({ data: Buffer.from('hi').toString('base64') }),
    {},
    /^pubsub-push: message\.data: expected base64 JSON: /,
  ],
  [
    'a push without messageId',
    push({ messageId: undefined, data: '', attributes: { 'opsfn-job': 'j' } }),
    {},
    'pubsub-push: message.messageId: expected the message id (missing)',
  ],
  [
    'data of no known shape',
    push({ data: base64Json({ a: 1 }) }),
    {},
    /^pubsub-push: message\.data: expected a Cloud Monitoring incident/,
  ],
  [
    'a bad incident inside Pub/Sub',
    push({ data: base64Json(cm({ state: 'x' })) }),
    {},
    /^pubsub-push: message\.data\.incident\.state: /,
  ],
  [
    'a job payload that is an array',
    push({ data: base64Json([1]), attributes: { 'opsfn-job': 'j' } }),
    {},
    'pubsub-push: message.data: expected a JSON object payload, got array',
  ],
  [
    'a message object without subscription',
    { message: { data: '' } },
    {},
    /^pubsub-push: subscription: expected string/,
  ],
  [
    'an unsupported CloudEvent type',
    { specversion: '1.0', type: 'x.y', source: 's', id: '1', data: {} },
    {},
    /^cloudevent-structured: type: expected "google\.cloud\.pubsub/,
  ],
  [
    'an old CloudEvents version',
    { specversion: '0.3', type: 'x', source: 's', id: '1' },
    {},
    'cloudevent-structured: specversion: expected "1.0"',
  ],
  [
    'a CloudEvent content type without specversion',
    { data: {} },
    { 'content-type': 'application/cloudevents+json' },
    /^cloudevent-structured: specversion: /,
  ],
  [
    'a binary CloudEvent without ce-source',
    { message: {} },
    { ...ce, 'ce-source': '' },
    'cloudevent-binary: headers.ce-source: expected the event source',
  ],
  ['a binary CloudEvent without body', '', ce, 'cloudevent-binary: body: expected object (missing)'],
  [
    'a bad schedule time',
    {},
    { 'x-cloudscheduler-jobname': 'j', 'x-cloudscheduler-scheduletime': 'now' },
    'scheduler-http: headers.x-cloudscheduler-scheduletime: expected RFC 3339 time',
  ],
  [
    'a Scheduler request without job name',
    {},
    { 'x-cloudscheduler': 'true' },
    'scheduler-http: headers.x-cloudscheduler-jobname: expected string (missing)',
  ],
  [
    'an unwrapped push with a bad publish time',
    {},
    { 'x-goog-pubsub-message-id': '1', 'x-goog-pubsub-publish-time': '1700000000', 'opsfn-job': 'j' },
    'pubsub-unwrapped: headers.x-goog-pubsub-publish-time: expected RFC 3339 time',
  ],
  [
    'an unwrapped push without the job header',
    { a: 1 },
    { 'x-goog-pubsub-message-id': '1' },
    /^pubsub-unwrapped: body: expected a Cloud Monitoring incident/,
  ],
  [
    'a hostile idempotency key',
    { a: 1 },
    { 'idempotency-key': 'a b\nc' },
    'manual: headers.idempotency-key: expected 1 to 200 visible ASCII characters',
  ],
];

describe('parseRequest rejections', () => {
  it.each(rejected)('rejects %s naming the field', (_, body, headers, message) => {
    let thrown: unknown;
    try {
      parseRequest(jsonRequest(body, headers), intakeOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadInputError);
    expect((thrown as BadInputError).status).toBe(400);
    expect((thrown as BadInputError).message).toMatch(message);
  });

  it('rejects a body that is not UTF-8', () => {
    const req = { ...jsonRequest({}), body: Buffer.from([0x7b, 0xff, 0x7d]) };
    expect(() => parseRequest(req, intakeOptions)).toThrow('body is not valid UTF-8');
  });

  it('lists every failing field in the error details', () => {
    const body = am({ status: 'x', startsAt: 'y' });
    expect(() => parseRequest(jsonRequest(body), intakeOptions)).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({
          format: 'alertmanager',
          issues: expect.arrayContaining([
            expect.objectContaining({ path: 'alerts[0].status' }),
            expect.objectContaining({ path: 'alerts[0].startsAt', message: 'expected RFC 3339 time' }),
          ]),
        }),
      }),
    );
  });
});
