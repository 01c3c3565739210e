import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, startReceiver } from './receiver.js';

describe('generic webhook channel', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver({ status: 204 });
  });
  afterEach(() => receiver.close());

  function notifier(headers: Record<string, unknown>) {
    const config = notifyConfig({
      channels: { hook: { type: 'webhook', url: `${receiver.url}/hooks/opsfn`, headers } },
      routes: [{ severity: 'info', channels: ['hook'] }],
    });
    return createNotifier(config, {
      secret: secretsFrom({ HOOK_TOKEN: 'Bearer tok-123' }),
      now: fixedNow,
      sleep: recordingSleep(),
    });
  }

  it('posts the notification as JSON with plain and secret headers', async () => {
    const message = {
      severity: 'info' as const,
      title: 'Scaled checkout to 6',
      text: 'p95 latency alert',
      function: 'autoscale',
      fields: { from: 2, to: 6 },
    };
    const results = await notifier({ authorization: { env: 'HOOK_TOKEN' }, 'x-team': 'sre' }).notify(message);
    expect(results).toEqual([{ channel: 'hook', ok: true, attempts: 1 }]);
    const [request] = receiver.requests;
    expect(request?.path).toBe('/hooks/opsfn');
    expect(request?.headers.authorization).toBe('Bearer tok-123');
    expect(request?.headers['x-team']).toBe('sre');
    expect(request?.json()).toEqual({
      source: 'opsfn',
      timestamp: '2026-11-22T03:00:00.000Z',
      severity: 'info',
      title: 'Scaled checkout to 6',
      text: 'p95 latency alert',
      function: 'autoscale',
      fields: { from: 2, to: 6 },
      resolve: false,
    });
  });

  it('refuses a header value with a line break and sends nothing', async () => {
    const config = notifyConfig({
      channels: { hook: { type: 'webhook', url: receiver.url, headers: { 'x-a': { env: 'EVIL' } } } },
      routes: [{ severity: 'info', channels: ['hook'] }],
    });
    const notifierWithEvil = createNotifier(config, {
      secret: secretsFrom({ EVIL: 'a\r\nx-injected: 1' }),
      sleep: recordingSleep(),
    });
    const [result] = await notifierWithEvil.notify({ severity: 'info', title: 't', text: '' });
    expect(result?.ok).toBe(false);
    expect(result?.error).toBe('webhook: webhook header "x-a" contains a line break');
    expect(receiver.requests).toHaveLength(0);
  });
});
