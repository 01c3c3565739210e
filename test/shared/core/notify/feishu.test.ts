import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFeishuCard, buildFeishuText, signFeishu } from '../../../../shared/core/notify/channels/feishu.js';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, type RecordedRequest, startReceiver } from './receiver.js';

const SIGNING_SECRET = 'feishu-signing-secret-123';
const OK = { status: 200, body: '{"code":0,"msg":"success","data":{}}' };

// What Feishu does: recompute the sign from the timestamp and the bot's secret, and refuse a mismatch.
function verifyingReceiver(secret: string) {
  return (request: RecordedRequest) => {
    const body = request.json() as { timestamp?: string; sign?: string };
    const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64');
    if (body.sign !== expected) return { status: 200, body: '{"code":19021,"msg":"sign match fail","data":{}}' };
    return OK;
  };
}

describe('Feishu channel', () => {
  let receiver: Receiver | undefined;
  afterEach(() => receiver?.close());

  function notifier(url: string, signed: boolean) {
    const config = notifyConfig({
      channels: {
        lark: { type: 'feishu', url: { env: 'FS_URL' }, ...(signed ? { secret: { env: 'FS_SECRET' } } : {}) },
      },
      routes: [{ severity: ['warning', 'critical'], channels: ['lark'] }],
    });
    const secret = secretsFrom({ FS_URL: `${url}/open-apis/bot/v2/hook/abcdef-123456`, FS_SECRET: SIGNING_SECRET });
    return createNotifier(config, { secret, now: fixedNow, sleep: recordingSleep() });
  }

  it('signs the request so the receiver verifies it, and sends the card', async () => {
    receiver = await startReceiver(verifyingReceiver(SIGNING_SECRET));
    const message = { severity: 'warning' as const, title: 'Cert expires in 9 days', text: 'api.example.test' };
    const results = await notifier(receiver.url, true).notify(message);
    expect(results).toEqual([{ channel: 'lark', ok: true, attempts: 1 }]);
    const body = receiver.requests[0]?.json() as Record<string, unknown>;
    expect(body.timestamp).toBe(String(Date.parse('2026-11-22T03:00:00Z') / 1_000));
    expect(body.sign).toBe(signFeishu(Number(body.timestamp), SIGNING_SECRET));
    expect(body.msg_type).toBe('interactive');
    expect(body.card).toEqual(buildFeishuCard(message).card);
  });

  it('treats a 200 with a non-zero code as a failure', async () => {
    receiver = await startReceiver(verifyingReceiver('another-secret'));
    const [result] = await notifier(receiver.url, true).notify({ severity: 'critical', title: 't', text: 'x' });
    expect(result).toEqual({ channel: 'lark', ok: false, attempts: 1, error: 'feishu: code 19021: sign match fail' });
  });

  it('sends a signed text message when the channel asks for text', async () => {
    receiver = await startReceiver(verifyingReceiver(SIGNING_SECRET));
    const config = notifyConfig({
      channels: {
        lark: { type: 'feishu', url: { env: 'FS_URL' }, secret: { env: 'FS_SECRET' }, msgType: 'text' },
      },
      routes: [{ severity: 'critical', channels: ['lark'] }],
    });
    const secret = secretsFrom({ FS_URL: `${receiver.url}/hook/x`, FS_SECRET: SIGNING_SECRET });
    const results = await createNotifier(config, { secret, now: fixedNow }).notify({
      severity: 'critical',
      title: 't',
      text: 'x',
    });
    expect(results).toEqual([{ channel: 'lark', ok: true, attempts: 1 }]);
    const body = receiver.requests[0]?.json() as Record<string, unknown>;
    expect(body.msg_type).toBe('text');
    expect(body.content).toEqual({ text: '[CRITICAL] t\nx' });
  });

  it('sends no timestamp or sign without a signing secret', async () => {
    receiver = await startReceiver(OK);
    await notifier(receiver.url, false).notify({ severity: 'critical', title: 't', text: 'x' });
    const body = receiver.requests[0]?.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['card', 'msg_type']);
  });

  it('retries when Feishu says the bot is rate limited', async () => {
    receiver = await startReceiver(OK);
    receiver.script({ status: 200, body: '{"code":11232,"msg":"frequency limited psm"}' });
    const [result] = await notifier(receiver.url, false).notify({ severity: 'critical', title: 't', text: 'x' });
    expect(result).toEqual({ channel: 'lark', ok: true, attempts: 2 });
  });
});

describe('buildFeishuText', () => {
  it('builds a text message with title, text, fields and links', () => {
    expect(
      buildFeishuText({
        severity: 'warning',
        title: 'Cert expires in 9 days',
        text: 'api.example.test',
        fields: { daysLeft: 9 },
        links: [{ title: 'Runbook', url: 'https://runbooks.example.test/tls' }],
      }),
    ).toEqual({
      msg_type: 'text',
      content: {
        text: '[WARNING] Cert expires in 9 days\napi.example.test\ndaysLeft: 9\nRunbook: https://runbooks.example.test/tls',
      },
    });
  });
});

describe('buildFeishuCard', () => {
  it('builds the interactive card with header colour, text, fields, buttons and note', () => {
    expect(
      buildFeishuCard({
        severity: 'critical',
        title: 'DR drill failed',
        text: 'RTO 48m > 30m',
        function: 'drDrill',
        fields: { rto: '48m' },
        links: [{ title: 'Report', url: 'https://reports.example.test/1' }],
      }),
    ).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { template: 'red', title: { tag: 'plain_text', content: '[CRITICAL] DR drill failed' } },
        elements: [
          { tag: 'div', text: { tag: 'lark_md', content: 'RTO 48m > 30m' } },
          { tag: 'div', fields: [{ is_short: true, text: { tag: 'lark_md', content: '**rto**\n48m' } }] },
          {
            tag: 'action',
            actions: [
              {
                tag: 'button',
                text: { tag: 'plain_text', content: 'Report' },
                url: 'https://reports.example.test/1',
                type: 'default',
              },
            ],
          },
          { tag: 'note', elements: [{ tag: 'plain_text', content: 'opsfn · drDrill' }] },
        ],
      },
    });
  });

  it('uses a green header for a resolve', () => {
    const card = buildFeishuCard({ severity: 'critical', title: 't', text: '', resolve: true }).card as {
      header: { template: string; title: { content: string } };
    };
    expect(card.header.template).toBe('green');
    expect(card.header.title.content).toBe('[RESOLVED] t');
  });
});
