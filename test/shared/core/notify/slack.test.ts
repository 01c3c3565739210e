import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSlackPayload, escapeSlack, SlackColors } from '../../../../shared/core/notify/channels/slack.js';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { fixedNow, notifyConfig, recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, startReceiver } from './receiver.js';

describe('Slack channel', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  function notifier() {
    const config = notifyConfig({
      channels: { ops: { type: 'slack', url: { env: 'SLACK_URL' } } },
      routes: [{ severity: ['warning', 'critical'], channels: ['ops'] }],
    });
    const secret = secretsFrom({ SLACK_URL: `${receiver.url}/services/T1/B2/secret-token` });
    return createNotifier(config, { secret, now: fixedNow, sleep: recordingSleep() });
  }

  it('posts text, a coloured attachment with fields, link buttons and the origin', async () => {
    const results = await notifier().notify({
      severity: 'critical',
      title: 'Backup pg-main is 30h old',
      text: 'RPO 26h exceeded <check> & restore',
      dedupKey: 'backup:pg-main',
      function: 'backupVerify',
      fields: { age: '30h', rpo: '26h', verified: false },
      links: [{ title: 'Runbook', url: 'https://runbooks.example.test/backup' }],
    });
    expect(results).toEqual([{ channel: 'ops', ok: true, attempts: 1 }]);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.path).toBe('/services/T1/B2/secret-token');
    expect(request?.headers['content-type']).toContain('application/json');
    expect(request?.json()).toEqual({
      text: '[CRITICAL] Backup pg-main is 30h old',
      attachments: [
        {
          color: '#D93025',
          fallback: '[CRITICAL] Backup pg-main is 30h old',
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: '[CRITICAL] Backup pg-main is 30h old' } },
            { type: 'section', text: { type: 'mrkdwn', text: 'RPO 26h exceeded &lt;check&gt; &amp; restore' } },
            {
              type: 'section',
              fields: [
                { type: 'mrkdwn', text: '*age*\n30h' },
                { type: 'mrkdwn', text: '*rpo*\n26h' },
                { type: 'mrkdwn', text: '*verified*\nfalse' },
              ],
            },
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  text: { type: 'plain_text', text: 'Runbook' },
                  url: 'https://runbooks.example.test/backup',
                },
              ],
            },
            { type: 'context', elements: [{ type: 'mrkdwn', text: 'opsfn · backupVerify · backup:pg-main' }] },
          ],
        },
      ],
    });
  });

  it('sends nothing for a severity no route takes', async () => {
    const results = await notifier().notify({ severity: 'info', title: 'fine', text: '' });
    expect(results).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports an HTTP 404 answer as a failure without retrying', async () => {
    receiver.script({ status: 404, body: 'no_service' });
    const results = await notifier().notify({ severity: 'warning', title: 't', text: 'x' });
    expect(results).toEqual([{ channel: 'ops', ok: false, attempts: 1, error: 'slack: HTTP 404: no_service' }]);
  });
});

describe('buildSlackPayload', () => {
  it('colours by severity and turns a resolve green', () => {
    const color = (m: Parameters<typeof buildSlackPayload>[0]) =>
      (buildSlackPayload(m).attachments as { color: string }[])[0]?.color;
    expect(color({ severity: 'warning', title: 't', text: '' })).toBe(SlackColors.warning);
    expect(color({ severity: 'info', title: 't', text: '' })).toBe(SlackColors.info);
    expect(color({ severity: 'critical', title: 't', text: '', resolve: true })).toBe(SlackColors.resolved);
  });

  it('keeps within Block Kit limits: header 150 chars, 10 fields a section, http links only', () => {
    const fields = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i]));
    const payload = buildSlackPayload({
      severity: 'info',
      title: 'x'.repeat(500),
      text: '',
      fields,
      links: [{ title: 'bad', url: 'javascript:alert(1)' }],
    });
    const blocks = (payload.attachments as { blocks: Record<string, unknown>[] }[])[0]?.blocks ?? [];
    const header = blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
    const sections = blocks.filter((b) => 'fields' in b) as { fields: unknown[] }[];
    expect(sections.map((s) => s.fields.length)).toEqual([10, 10, 5]);
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('leaves out a link longer than a button url may be (3,000 characters), keeping the others', () => {
    const payload = buildSlackPayload({
      severity: 'critical',
      title: 'rollback web',
      text: '',
      links: [
        { title: 'alert', url: `https://prometheus/graph?g0.expr=${'x'.repeat(4000)}` },
        { title: 'runbook', url: 'https://runbooks.example/web' },
      ],
    });
    const blocks = (payload.attachments as { blocks: Record<string, unknown>[] }[])[0]?.blocks ?? [];
    const actions = blocks.find((b) => b.type === 'actions') as { elements: { url: string }[] } | undefined;
    expect(actions?.elements.map((e) => e.url)).toEqual(['https://runbooks.example/web']);
  });

  it('escapes mrkdwn control characters', () => {
    expect(escapeSlack('<!channel> & co')).toBe('&lt;!channel&gt; &amp; co');
  });
});
