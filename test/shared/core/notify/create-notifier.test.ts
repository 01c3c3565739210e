import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { REFUSED_PORT } from '../../../support/tls-servers.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, startReceiver } from './receiver.js';

const SLACK_PATH = '/services/T9/B9/very-secret-slack-token';
const message = { severity: 'critical' as const, title: 'Backup stale', text: 'pg-main', function: 'backupVerify' };

describe('createNotifier', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  function make(extra: { timeout?: string; retries?: number; url?: string } = {}, state?: MemoryStateStore) {
    const sleep = recordingSleep();
    const config = notifyConfig({
      channels: { ops: { type: 'slack', url: { env: 'SLACK_URL' } } },
      routes: [{ severity: 'critical', channels: ['ops'] }],
      timeout: extra.timeout ?? '2s',
      retries: extra.retries ?? 3,
    });
    const secret = secretsFrom({ SLACK_URL: extra.url ?? `${receiver.url}${SLACK_PATH}` });
    return { sleep, notifier: createNotifier(config, { secret, now: fixedNow, sleep, random: () => 1, state }) };
  }

  it('retries a 500 and counts the attempts until success', async () => {
    receiver.script({ status: 500, body: 'oops' }, { status: 502 });
    const { notifier, sleep } = make();
    expect(await notifier.notify(message)).toEqual([{ channel: 'ops', ok: true, attempts: 3 }]);
    expect(receiver.requests).toHaveLength(3);
    expect(sleep.delays).toEqual([500, 1_000]);
  });

  it('gives up after the configured retries on repeated 503s', async () => {
    receiver.script({ status: 503 }, { status: 503 }, { status: 503 });
    const { notifier } = make({ retries: 2 });
    const [result] = await notifier.notify(message);
    expect(result).toEqual({ channel: 'ops', ok: false, attempts: 3, error: 'slack: HTTP 503' });
  });

  it('does not retry a 400', async () => {
    receiver.script({ status: 400, body: 'invalid_payload' });
    const { notifier } = make();
    const [result] = await notifier.notify(message);
    expect(result).toEqual({ channel: 'ops', ok: false, attempts: 1, error: 'slack: HTTP 400: invalid_payload' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '7' } });
    const { notifier, sleep } = make();
    expect((await notifier.notify(message))[0]?.ok).toBe(true);
    expect(sleep.delays).toEqual([7_000]);
  });

  it('reads only the start of a huge error body and quotes at most 300 characters of the error', async () => {
    receiver.script({ status: 400, body: 'e'.repeat(5 * 1024 * 1024) });
    const { notifier } = make();
    const [result] = await notifier.notify(message);
    expect(result?.ok).toBe(false);
    expect(result?.error).toBe(`${`slack: HTTP 400: ${'e'.repeat(300)}`.slice(0, 300)}…`);
  });

  it('scrubs a secret a receiver echoes before it cuts the error to length, wherever the cut falls', async () => {
    const secret = `${receiver.url}${SLACK_PATH}`;
    for (let pad = 120; pad <= 290; pad += 5) {
      receiver.script({ status: 401, body: `${'x'.repeat(pad)} you sent ${secret}` });
      const { notifier } = make();
      const [result] = await notifier.notify(message);
      expect(result?.error).not.toContain('very-secret');
      expect(result?.error).not.toContain('/services/T9');
    }
  });

  it('does not retry when Retry-After asks for longer than the cap', async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '3600' } });
    const { notifier } = make();
    const [result] = await notifier.notify(message);
    expect(result).toEqual({
      channel: 'ops',
      ok: false,
      attempts: 1,
      error: 'slack: HTTP 429 (Retry-After 3600s exceeds the 30s cap)',
    });
  });

  it('bounds every attempt against a receiver that never answers', async () => {
    receiver.script('hang', 'hang');
    const { notifier } = make({ timeout: '200ms', retries: 1 });
    const started = Date.now();
    const [result] = await notifier.notify(message);
    expect(result).toEqual({ channel: 'ops', ok: false, attempts: 2, error: 'slack: timed out after 200ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps the webhook URL out of errors, even when the receiver echoes it', async () => {
    receiver.script({ status: 400, body: `unknown webhook ${receiver.url}${SLACK_PATH} (${SLACK_PATH})` });
    const { notifier } = make();
    const [result] = await notifier.notify(message);
    expect(result?.error).toContain('[REDACTED]');
    expect(result?.error).not.toContain('very-secret-slack-token');
  });

  it('reports an unreachable receiver as a network error without the URL', async () => {
    const { notifier } = make({ retries: 1, url: `http://127.0.0.1:${REFUSED_PORT}${SLACK_PATH}` });
    const [result] = await notifier.notify(message);
    expect(result?.ok).toBe(false);
    expect(result?.attempts).toBe(2);
    expect(result?.error).toMatch(/^slack: network error/);
    expect(result?.error).not.toContain('very-secret-slack-token');
  });

  it('reports a secret that does not resolve, and never throws', async () => {
    const config = notifyConfig({
      channels: { ops: { type: 'slack', url: { env: 'MISSING' } } },
      routes: [{ severity: 'critical', channels: ['ops'] }],
    });
    const notifier = createNotifier(config, { secret: secretsFrom({}), sleep: recordingSleep() });
    const [result] = await notifier.notify(message);
    expect(result).toEqual({ channel: 'ops', ok: false, attempts: 1, error: 'slack: secret MISSING is not set' });
  });

  it('reports a malformed notification, naming the field, and sends nothing', async () => {
    const { notifier } = make();
    const bad = { severity: 'urgent', title: '  ', text: 'x' } as unknown as typeof message;
    const [result] = await notifier.notify(bad);
    expect(result?.ok).toBe(false);
    expect(result?.error).toContain('invalid notification: severity:');
    expect(result?.error).toContain('title: expected a non-empty title');
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports a route naming an undefined channel', async () => {
    // Built in code, past the schema that would refuse it: the notifier still reports instead of throwing.
    const config = { ...notifyConfig({}), routes: [{ severity: 'critical' as const, channels: ['ghost'] }] };
    const notifier = createNotifier(config, { secret: secretsFrom({}) });
    expect(await notifier.notify(message)).toEqual([
      { channel: 'ghost', ok: false, attempts: 0, error: 'channel "ghost" is not defined in notify.channels' },
    ]);
  });

  it('delivers to every routed channel and reports each', async () => {
    const other = await startReceiver({ status: 500 });
    try {
      const config = notifyConfig({
        channels: {
          ops: { type: 'slack', url: { env: 'A' } },
          hook: { type: 'webhook', url: `${other.url}/x` },
        },
        routes: [
          { severity: 'critical', channels: ['ops'] },
          { severity: ['critical'], channels: ['hook', 'ops'], functions: ['backupVerify'] },
        ],
        retries: 0,
      });
      const notifier = createNotifier(config, { secret: secretsFrom({ A: `${receiver.url}/a` }) });
      expect(await notifier.notify(message)).toEqual([
        { channel: 'ops', ok: true, attempts: 1 },
        { channel: 'hook', ok: false, attempts: 1, error: 'webhook: HTTP 500' },
      ]);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('skips a repeat of a delivered dedupKey and lets a resolve and a new trigger through', async () => {
    const state = new MemoryStateStore();
    const { notifier } = make({}, state);
    const keyed = { ...message, dedupKey: 'backup:pg-main' };
    expect(await notifier.notify(keyed)).toEqual([{ channel: 'ops', ok: true, attempts: 1 }]);
    expect(await notifier.notify(keyed)).toEqual([{ channel: 'ops', ok: true, attempts: 0, duplicate: true }]);
    expect((await notifier.notify({ ...keyed, resolve: true }))[0]?.duplicate).toBeUndefined();
    expect((await notifier.notify(keyed))[0]?.duplicate).toBeUndefined();
    expect(receiver.requests).toHaveLength(3);
  });

  it('sends each different message of one dedupKey, an escalation included, and skips only the same again', async () => {
    const state = new MemoryStateStore();
    const { notifier } = make({}, state);
    const incident = { function: 'rollback', dedupKey: 'rollback:web:inc-1' };
    const rolledBack = { ...incident, severity: 'critical' as const, title: 'rolled back', text: '5xx 12%' };
    const escalated = { ...incident, severity: 'critical' as const, title: 'still failing: escalating', text: '11%' };
    expect((await notifier.notify(rolledBack))[0]).toMatchObject({ ok: true, attempts: 1 });
    expect((await notifier.notify(escalated))[0]).toMatchObject({ ok: true, attempts: 1 });
    // The same message again, its figures moved on: a repeat.
    expect((await notifier.notify({ ...escalated, text: '10%' }))[0]?.duplicate).toBe(true);
    expect(receiver.requests).toHaveLength(2);
  });

  it('sends a resolve to every channel that carried a trigger of its dedupKey, whatever its own severity', async () => {
    const config = notifyConfig({
      channels: {
        pager: { type: 'slack', url: { env: 'PAGER' } },
        chat: { type: 'slack', url: { env: 'CHAT' } },
        log: { type: 'slack', url: { env: 'LOG' } },
      },
      routes: [
        { severity: 'critical', channels: ['pager'] },
        { severity: 'warning', channels: ['chat'] },
        { severity: 'info', channels: ['log'] },
      ],
    });
    const secret = secretsFrom({
      PAGER: `${receiver.url}/pager`,
      CHAT: `${receiver.url}/chat`,
      LOG: `${receiver.url}/log`,
    });
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const state = new MemoryStateStore({ now: () => clock });
    const notifier = createNotifier(config, { secret, now: fixedNow, state });
    const down = { severity: 'critical' as const, title: 'web down', text: 'http', dedupKey: 'health:web:1' };
    await notifier.notify(down);
    // An outage of two days: long past the four hours that suppress repeats.
    clock += 2 * 86_400_000;
    const recovered = { ...down, severity: 'info' as const, title: 'web recovered', resolve: true };
    expect((await notifier.notify(recovered)).map((r) => r.channel).sort()).toEqual(['log', 'pager']);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/pager', '/log', '/pager']);
    // Resolved: the next outage pages again.
    expect((await notifier.notify(down))[0]).toMatchObject({ channel: 'pager', attempts: 1 });
  });

  it('tries again after a failed delivery of a dedupKey', async () => {
    const state = new MemoryStateStore();
    receiver.script({ status: 400 });
    const { notifier } = make({}, state);
    const keyed = { ...message, dedupKey: 'k1' };
    expect((await notifier.notify(keyed))[0]?.ok).toBe(false);
    expect(await notifier.notify(keyed)).toEqual([{ channel: 'ops', ok: true, attempts: 1 }]);
  });

  it('stops when the caller aborts', async () => {
    receiver.script('hang');
    const { notifier } = make({ timeout: '10s' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const [result] = await notifier.notify(message, { signal: controller.signal });
    expect(result).toEqual({ channel: 'ops', ok: false, attempts: 1, error: 'slack: cancelled by the caller' });
  });
});
