import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as framework from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../../../shared/core/errors/index.js';
import type { Trigger } from '../../../../shared/core/events/trigger.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { eventHandler, httpHandler, memoizeRuntime } from '../../../../shared/host/runtime/framework.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';

const fixture = (path: string) => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');
const seen: Trigger[] = [];
let failNext = false;
const probe = defineFunction({
  name: 'probe',
  description: 'records its triggers',
  triggers: ['scheduled', 'alert', 'manual'],
  input: z.record(z.string(), z.unknown()),
  async run(ctx) {
    if (failNext) {
      failNext = false;
      throw new DependencyError('platform API 503');
    }
    seen.push(ctx.trigger);
    return { outcome: 'ok', summary: ctx.trigger.kind };
  },
});
const logs = captureLogs();
const loadRuntime = memoizeRuntime(() =>
  createRuntime({
    config: testEstate({ auth: { mode: 'platform' } }),
    functions: [probe],
    state: new MemoryStateStore(),
    notifier: recordingNotifier(),
    logSink: logs.sink,
  }),
);
framework.http('probe', httpHandler(probe, loadRuntime));
framework.http('probeEvent', eventHandler(probe, loadRuntime));

const servers: { url: string; close: () => void }[] = [];
async function listen(name: string) {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const entry = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  servers.push(entry);
  return entry.url;
}
let http = '';
let events = '';
beforeAll(async () => {
  http = await listen('probe');
  events = await listen('probeEvent');
});
afterAll(() => {
  for (const s of servers) s.close();
});

describe('functions-framework registration', () => {
  it('serves a manual call on the HTTP signature', async () => {
    const res = await fetch(`${http}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"note":"hi"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ function: 'probe', outcome: 'ok', trigger: { kind: 'manual' } });
  });

  it('accepts a binary-mode CloudEvent from Eventarc on the HTTP signature', async () => {
    const headers = JSON.parse(fixture('cloudevent/scheduler-binary.headers.json')) as Record<string, string>;
    const res = await fetch(`${http}/`, { method: 'POST', headers, body: fixture('cloudevent/scheduler-binary.json') });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ kind: 'scheduled', job: 'dr-drill-quarterly' });
  });

  it('runs a Monitoring alert delivered through Pub/Sub to the CloudEvent signature', async () => {
    const event = JSON.parse(fixture('cloudevent/eventarc-monitoring.json')) as Record<string, unknown>;
    const res = await fetch(`${events}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(204);
    expect(seen.at(-1)).toMatchObject({ kind: 'alert', alert: { source: 'cloud-monitoring' } });
  });

  it('nacks a retryable failure with its status so Pub/Sub redelivers, then acks the redelivery', async () => {
    const event = {
      ...(JSON.parse(fixture('cloudevent/scheduler-structured.json')) as Record<string, unknown>),
      id: 'retry-1',
    };
    failNext = true;
    const first = await fetch(`${events}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    expect(first.status).toBe(503);
    const second = await fetch(`${events}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    expect(second.status).toBe(204);
  });

  it('refuses an unparseable event (so it is nacked towards the dead-letter topic) and audits it', async () => {
    const before = logs.audits().length;
    const res = await fetch(`${events}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'p1',
        source: '//pubsub.googleapis.com/projects/p/topics/t',
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        data: { message: { data: Buffer.from('not json').toString('base64'), messageId: 'p1' } },
      }),
    });
    expect(res.status).toBe(400);
    expect(logs.audits().slice(before)).toEqual([expect.objectContaining({ decision: 'rejected' })]);
  });
});
