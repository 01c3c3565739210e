import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishWithClient } from '../../../../shared/core/notify/channels/pubsub.js';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { type PubSubEmulator, startPubSubEmulator } from '../../../support/pubsub-emulator.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';

const PROJECT = 'demo-opsfn';

describe('Pub/Sub channel (emulator)', () => {
  let emulator: PubSubEmulator;
  let previousHost: string | undefined;
  const suffix = randomBytes(4).toString('hex');

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    previousHost = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  });

  afterAll(async () => {
    if (previousHost === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = previousHost;
    await emulator?.stop();
  });

  function notifier(topic: string) {
    const config = notifyConfig({
      channels: { bus: { type: 'pubsub', topic } },
      routes: [{ severity: ['warning', 'critical'], channels: ['bus'] }],
      retries: 1,
      // Generous: these tests check what is sent and which errors are retried; the bound has its own test below.
      timeout: '25s',
    });
    return createNotifier(config, { secret: secretsFrom({}), now: fixedNow, sleep: recordingSleep() });
  }

  it('publishes the notification JSON with filterable attributes', { timeout: 60_000 }, async () => {
    const topic = await emulator.createTopic(PROJECT, `notify-${suffix}`);
    const subscription = await emulator.createSubscription(PROJECT, `notify-sub-${suffix}`, topic);
    const message = {
      severity: 'critical' as const,
      title: 'DR drill failed',
      text: 'RTO 48m',
      dedupKey: 'drill:q4',
      function: 'drDrill',
      fields: { rto: '48m' },
    };
    expect(await notifier(topic).notify(message)).toEqual([{ channel: 'bus', ok: true, attempts: 1 }]);
    const pulled = await emulator.pull(subscription);
    expect(pulled).toHaveLength(1);
    expect(JSON.parse(pulled[0]?.data ?? '')).toEqual({
      source: 'opsfn',
      timestamp: '2026-11-22T03:00:00.000Z',
      ...message,
      resolve: false,
    });
    expect(pulled[0]?.attributes).toEqual({
      source: 'opsfn',
      severity: 'critical',
      resolve: 'false',
      function: 'drDrill',
      dedupKey: 'drill:q4',
    });
  });

  it('reports a missing topic as a failure without retrying', { timeout: 60_000 }, async () => {
    const [result] = await notifier(`projects/${PROJECT}/topics/absent-${suffix}`).notify({
      severity: 'warning',
      title: 't',
      text: '',
    });
    expect(result?.ok).toBe(false);
    expect(result?.attempts).toBe(1);
    expect(result?.error).toMatch(/^pubsub: Pub\/Sub publish failed: .*NOT_FOUND/i);
  });

  it('bounds a publish to an unreachable emulator by the timeout', async () => {
    const saved = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:9';
    try {
      const controller = new AbortController();
      const started = Date.now();
      const publish = publishWithClient(
        `projects/${PROJECT}/topics/x-${suffix}`,
        Buffer.from('{}'),
        {},
        controller.signal,
      );
      setTimeout(() => controller.abort(new Error('deadline')), 300);
      await expect(publish).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.env.PUBSUB_EMULATOR_HOST = saved;
    }
  });
});
