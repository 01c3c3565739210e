import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pagerDutyDedupKey } from '../../../../shared/core/notify/channels/pagerduty.js';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import type { Notification } from '../../../../shared/core/notify/notification.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, startReceiver } from './receiver.js';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';
const accepted = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };

describe('PagerDuty channel', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver(accepted);
  });
  afterEach(() => receiver.close());

  function notifier() {
    const config = notifyConfig({
      channels: { pager: { type: 'pagerduty', routingKey: { env: 'PD_KEY' }, url: `${receiver.url}/v2/enqueue` } },
      routes: [{ severity: ['critical', 'warning', 'info'], channels: ['pager'] }],
    });
    return createNotifier(config, {
      secret: secretsFrom({ PD_KEY: ROUTING_KEY }),
      now: fixedNow,
      sleep: recordingSleep(),
    });
  }

  const incident: Notification = {
    severity: 'critical',
    title: 'Error rate 12% on checkout',
    text: 'rolled back to checkout-00041',
    dedupKey: 'rollback:checkout',
    function: 'rollback',
    fields: { errorRate: 0.12, revision: 'checkout-00041' },
    links: [{ title: 'Dashboard', url: 'https://console.example.test/d/1' }],
  };

  it('triggers with the event fields, then resolves with the same dedup_key', async () => {
    const pd = notifier();
    expect(await pd.notify(incident)).toEqual([{ channel: 'pager', ok: true, attempts: 1 }]);
    expect(await pd.notify({ ...incident, resolve: true, title: 'Error rate back to 0.2%' })).toEqual([
      { channel: 'pager', ok: true, attempts: 1 },
    ]);
    const [trigger, resolve] = receiver.requests.map((r) => r.json());
    expect(receiver.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/enqueue', 'POST /v2/enqueue']);
    expect(trigger).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'rollback:checkout',
      payload: {
        summary: 'Error rate 12% on checkout',
        source: 'opsfn/rollback',
        severity: 'critical',
        timestamp: '2026-11-22T03:00:00.000Z',
        component: 'rollback',
        custom_details: { errorRate: 0.12, revision: 'checkout-00041', text: 'rolled back to checkout-00041' },
      },
      links: [{ href: 'https://console.example.test/d/1', text: 'Dashboard' }],
      client: 'opsfn',
    });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'rollback:checkout' });
  });

  it.each(['critical', 'warning', 'info'] as const)('maps severity %s', async (severity) => {
    await notifier().notify({ ...incident, severity });
    expect((receiver.requests[0]!.json() as { payload: { severity: string } }).payload.severity).toBe(severity);
  });

  it('cuts the summary to 1024 characters', async () => {
    await notifier().notify({ ...incident, title: 'y'.repeat(5_000) });
    const summary = (receiver.requests[0]!.json() as { payload: { summary: string } }).payload.summary;
    expect(summary).toHaveLength(1_024);
  });

  it('refuses a resolve without a dedupKey and sends nothing', async () => {
    const { dedupKey: _omit, ...rest } = incident;
    const [result] = await notifier().notify({ ...rest, resolve: true });
    expect(result?.ok).toBe(false);
    expect(result?.error).toContain('needs the dedupKey');
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports an invalid event (400) once, with the reply but not the routing key', async () => {
    receiver.script({ status: 400, body: `{"status":"invalid event","errors":["bad key ${ROUTING_KEY}"]}` });
    const [result] = await notifier().notify(incident);
    expect(result?.attempts).toBe(1);
    expect(result?.error).toContain('pagerduty: HTTP 400');
    expect(result?.error).not.toContain(ROUTING_KEY);
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('pagerDutyDedupKey', () => {
  it('keeps a short key, hashes an overlong one and derives a stable one when absent', () => {
    expect(pagerDutyDedupKey({ severity: 'info', title: 't', text: '', dedupKey: 'k' })).toBe('k');
    const long = pagerDutyDedupKey({ severity: 'info', title: 't', text: '', dedupKey: 'k'.repeat(300) });
    expect(long).toMatch(/^opsfn-[0-9a-f]{64}$/);
    const a = pagerDutyDedupKey({ severity: 'info', title: 'same', text: 'a', function: 'certExpiry' });
    const b = pagerDutyDedupKey({ severity: 'critical', title: 'same', text: 'b', function: 'certExpiry' });
    expect(a).toBe(b);
    expect(a).not.toBe(pagerDutyDedupKey({ severity: 'info', title: 'other', text: 'a', function: 'certExpiry' }));
  });
});
