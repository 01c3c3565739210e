import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../../shared/core/events/index.js';
import { fixtureJson, intakeOptions, jsonRequest } from './load-fixture.js';

const am = {
  version: '4',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate' },
      startsAt: '2026-01-01T10:00:00Z',
      fingerprint: 'c6eadffa33fcdf37',
    },
  ],
};

describe('parseRequest detection', () => {
  it.each([
    ['a version field alone', { service: 'web', version: '1.2' }],
    ['a text message field', { message: 'deploy went bad', service: 'web' }],
  ])('treats %s as a manual payload', (_, body) => {
    expect(parseRequest(jsonRequest(body), intakeOptions)).toEqual({
      format: 'manual',
      triggers: [{ kind: 'manual', id: 'manual:fresh-id', payload: body }],
    });
  });

  it('parses an empty body as a manual run with an empty payload', () => {
    expect(parseRequest(jsonRequest(''), intakeOptions).triggers).toEqual([
      { kind: 'manual', id: 'manual:fresh-id', payload: {} },
    ]);
  });

  it('accepts a body that starts with a byte order mark', () => {
    expect(parseRequest(jsonRequest('\ufeff{"a":1}'), intakeOptions).triggers[0]).toMatchObject({ payload: { a: 1 } });
  });

  it('detects an alert body before Scheduler headers', () => {
    const req = jsonRequest(am, { 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'j' });
    expect(parseRequest(req, intakeOptions).format).toBe('alertmanager');
  });

  it('reads Scheduler headers in any case and defaults an empty body to an empty payload', () => {
    const req = jsonRequest('', {
      'X-CloudScheduler-JobName': 'nightly',
      'X-CloudScheduler-ScheduleTime': '2026-11-22T02:00:00+08:00',
    });
    expect(parseRequest(req, intakeOptions)).toEqual({
      format: 'scheduler-http',
      triggers: [
        {
          kind: 'scheduled',
          id: 'sched:nightly:2026-11-22T02:00:00+08:00',
          job: 'nightly',
          scheduledAt: '2026-11-21T18:00:00.000Z',
          payload: {},
        },
      ],
    });
  });

  it('parses an attributes-only unwrapped push as a scheduled run with an empty payload', () => {
    const req = jsonRequest('', { 'x-goog-pubsub-message-id': '44', 'opsfn-job': 'nightly' });
    expect(parseRequest(req, intakeOptions)).toEqual({
      format: 'pubsub-unwrapped',
      triggers: [
        { kind: 'scheduled', id: 'ps:44', job: 'nightly', scheduledAt: '2026-11-22T12:00:00.000Z', payload: {} },
      ],
    });
  });

  it('reads the continuation key of an unwrapped push from its header', () => {
    const headers = { 'x-goog-pubsub-message-id': '46', 'opsfn-job': 'continue:drDrill', 'opsfn-continue': 'k1' };
    expect(parseRequest(jsonRequest({ step: 3 }, headers), intakeOptions).triggers).toMatchObject([
      { kind: 'scheduled', id: 'continue:k1', job: 'continue:drDrill', payload: { step: 3 } },
    ]);
  });

  it('reads the dead-letter attributes of an unwrapped push from its headers', () => {
    const headers = {
      'x-goog-pubsub-message-id': '47',
      'opsfn-job': 'continue:backupVerify',
      'opsfn-continue': 'k2',
      CloudPubSubDeadLetterSourceDeliveryCount: '7',
      CloudPubSubDeadLetterSourceSubscription: 'backup-verify-shards',
    };
    expect(parseRequest(jsonRequest({ shard: { run: 'r', index: 0 } }, headers), intakeOptions).triggers).toMatchObject(
      [{ id: 'dead:continue:k2', deadLettered: { deliveries: 7, subscription: 'backup-verify-shards' } }],
    );
  });

  it('parses a Monitoring incident pushed unwrapped under its incident identity', () => {
    const req = jsonRequest(fixtureJson('cloud-monitoring/open'), { 'x-goog-pubsub-message-id': '45' });
    expect(parseRequest(req, intakeOptions).triggers).toMatchObject([{ kind: 'alert', id: 'cm:0.opqiw61fsv7p:open' }]);
  });

  it('gives a forced Scheduler run without schedule time a fresh id and the current time', () => {
    const req = jsonRequest({ a: 1 }, { 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'nightly' });
    expect(parseRequest(req, intakeOptions).triggers[0]).toEqual({
      kind: 'scheduled',
      id: 'sched:nightly:fresh-id',
      job: 'nightly',
      scheduledAt: '2026-11-22T12:00:00.000Z',
      payload: { a: 1 },
    });
  });
});
