import { describe, expect, it } from 'vitest';
import { describeTrigger, parseRequest, TriggerSchema, type WireFormat } from '../../../../shared/core/events/index.js';
import { fixtureRequest, intakeOptions } from './load-fixture.js';

const openAlert = {
  source: 'cloud-monitoring',
  name: 'web 5xx rate',
  state: 'firing',
  labels: {
    project_id: 'my-proj',
    service_name: 'web',
    revision_name: 'web-00007-abc',
    location: 'us-central1',
    configuration_name: 'web',
    response_code_class: '5xx',
    runbook: 'cloud-run-rollback',
    alertname: 'web 5xx rate',
  },
  annotations: {
    summary:
      'Request count for web-00007-abc with metric labels {response_code_class=5xx} is above the threshold of 5.000 with a value of 12.000.',
    severity: 'no severity',
    policy_name: 'web 5xx rate',
    condition_name: '5xx > 5/min',
    resource_type: 'cloud_run_revision',
    metric_type: 'run.googleapis.com/request_count',
    documentation: 'Roll back to previous revision.',
    subject: 'ALERT - web 5xx',
  },
  startedAt: '2026-01-01T00:00:00.000Z',
  fingerprint: '0.opqiw61fsv7p',
  url: 'https://console.cloud.google.com/monitoring/alerting/incidents/0.opqiw61fsv7p?project=my-proj',
  summary:
    'Request count for web-00007-abc with metric labels {response_code_class=5xx} is above the threshold of 5.000 with a value of 12.000.',
  policy: '1234567890',
  observed: 12,
  threshold: 5,
};
const closedAlert = { state: 'resolved', endedAt: '2026-01-01T00:15:00.000Z', observed: 0, policy: '1234567890' };
const am = (fingerprint: string, startedAt: string, state = 'firing') => ({
  kind: 'alert',
  id: `am:${fingerprint}:${startedAt}:${state}`,
  alert: { source: 'alertmanager', fingerprint, startedAt, state },
});

const cases: [string, WireFormat, object[]][] = [
  ['cloud-monitoring/open', 'cloud-monitoring', [{ kind: 'alert', id: 'cm:0.opqiw61fsv7p:open', alert: openAlert }]],
  ['cloud-monitoring/closed', 'cloud-monitoring', [{ id: 'cm:0.opqiw61fsv7p:closed', alert: closedAlert }]],
  ['pubsub-push/monitoring', 'pubsub-push', [{ kind: 'alert', id: 'cm:0.opqiw61fsv7p:open', alert: openAlert }]],
  [
    'pubsub-push/scheduler',
    'pubsub-push',
    [
      {
        kind: 'scheduled',
        id: 'ps:12',
        job: 'backup-verify-daily',
        scheduledAt: '2026-11-22T02:00:00.104Z',
        payload: { backups: ['pg-dumps'], restore: true },
      },
    ],
  ],
  [
    'pubsub-push/attributes-only',
    'pubsub-push',
    [
      {
        kind: 'scheduled',
        id: 'ps:13',
        job: 'cert-expiry-daily',
        scheduledAt: '2026-11-22T09:00:00.051Z',
        payload: {},
      },
    ],
  ],
  [
    'pubsub-unwrapped/scheduler',
    'pubsub-unwrapped',
    [
      {
        kind: 'scheduled',
        id: 'ps:31',
        job: 'cert-expiry-weekly',
        scheduledAt: '2026-11-22T02:33:43.965Z',
        payload: { certificates: ['public-web'], warnDays: 14 },
      },
    ],
  ],
  [
    'alertmanager/firing-batch',
    'alertmanager',
    [
      am('c6eadffa33fcdf37', '2026-01-01T10:00:00.000Z'),
      am('0f3a9b21c4d5e6f7', '2026-01-01T10:00:30.123Z'),
      am('a1b2c3d4e5f60718', '2026-01-01T10:01:00.000Z'),
    ],
  ],
  [
    'alertmanager/resolved',
    'alertmanager',
    [
      {
        ...am('c6eadffa33fcdf37', '2026-01-01T10:00:00.000Z', 'resolved'),
        alert: { endedAt: '2026-01-01T10:25:00.000Z' },
      },
    ],
  ],
  [
    'alertmanager/old-no-reason',
    'alertmanager',
    [
      {
        ...am('5e1d0c9b8a7f6e5d', '2026-03-04T05:06:07.000Z'),
        alert: { name: 'ServiceDown', summary: 'chat-gateway down' },
      },
    ],
  ],
  [
    'grafana/firing',
    'grafana',
    [
      {
        id: 'grafana:9f86d081884c7d65:2026-02-03T04:05:00.000Z:firing',
        alert: { source: 'grafana', name: 'SlowResponse', values: { B: 3.1, C: 1 }, summary: 'p95 latency above 2s' },
      },
      {
        id: 'grafana:2c26b46b68ffc68f:2026-02-03T03:50:00.000Z:resolved',
        alert: { source: 'grafana', state: 'resolved', endedAt: '2026-02-03T04:04:00.000Z' },
      },
    ],
  ],
  [
    'scheduler-http/daily',
    'scheduler-http',
    [
      {
        kind: 'scheduled',
        id: 'sched:cert-expiry-daily:2026-11-22T09:00:00.000Z',
        job: 'cert-expiry-daily',
        scheduledAt: '2026-11-22T09:00:00.000Z',
        payload: { certificates: ['public-web'], warnDays: 21 },
      },
    ],
  ],
  [
    'cloudevent/scheduler-binary',
    'cloudevent-binary',
    [{ kind: 'scheduled', id: 'ps:4417', job: 'dr-drill-quarterly', payload: { drill: 'quarterly-dr' } }],
  ],
  [
    'cloudevent/scheduler-structured',
    'cloudevent-structured',
    [{ kind: 'scheduled', id: 'ps:18', job: 'backup-verify-daily', scheduledAt: '2026-11-22T01:49:42.501Z' }],
  ],
  [
    'cloudevent/eventarc-monitoring',
    'cloudevent-structured',
    [{ kind: 'alert', id: 'cm:0.opqiw61fsv7p:closed', alert: closedAlert }],
  ],
  [
    'manual/rollback',
    'manual',
    [
      {
        kind: 'manual',
        id: 'manual:rollback-web-2026-01-01-a',
        payload: { service: 'web', toRevision: 'web-00006-xyz' },
      },
    ],
  ],
  [
    'manual/scale',
    'manual',
    [{ kind: 'manual', id: 'manual:fresh-id', payload: { service: 'ticket-api', replicas: 6 } }],
  ],
];

describe('parseRequest on recorded wire formats', () => {
  it.each(cases)('parses %s as %s', (name, format, expected) => {
    const intake = parseRequest(fixtureRequest(name), intakeOptions);
    expect(intake.format).toBe(format);
    expect(intake.triggers).toMatchObject(expected);
  });

  it.each(cases)('produces triggers from %s that satisfy the Trigger schema and describe in one line', (name) => {
    for (const trigger of parseRequest(fixtureRequest(name), intakeOptions).triggers) {
      expect(TriggerSchema.parse(trigger)).toEqual(trigger);
      expect(describeTrigger(trigger)).not.toMatch(/\n/);
    }
  });
});
