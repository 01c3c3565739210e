import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../../../shared/core/notify/create-notifier.js';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { runForTest } from '../../../../shared/testing/index.js';
import { captureLogs, testEstateOf } from '../../../support/estate.js';
import { recordingSleep, secretsFrom } from './notify-config.js';
import { type Receiver, startReceiver } from './receiver.js';

const SLACK_SECRET_PATH = '/services/T7/B7/run-secret-token';

const reporter = defineFunction({
  name: 'reporter',
  description: 'reports a finding through ctx.notify',
  triggers: ['manual'],
  input: z.object({ severity: z.enum(['info', 'warning', 'critical']) }),
  async run(ctx, input) {
    await ctx.notify({ severity: input?.severity ?? 'info', title: 'Backup stale', text: 'pg-main 30h old' });
    return { outcome: 'warn', summary: 'reported' };
  },
});

describe('notifications through runFunction', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  function run(severity: string, id: string) {
    const config = testEstateOf({
      notify: {
        channels: { ops: { type: 'slack', url: { env: 'SLACK_URL' } } },
        routes: [{ severity: 'critical', channels: ['ops'], functions: ['reporter'] }],
        retries: 1,
      },
    });
    const notifier = createNotifier(config.notify, {
      secret: secretsFrom({ SLACK_URL: `${receiver.url}${SLACK_SECRET_PATH}` }),
      sleep: recordingSleep(),
    });
    const logs = captureLogs();
    const envelope = runForTest(
      reporter,
      { kind: 'manual', id, payload: { severity } },
      {
        estate: config,
        notifier,
        logSink: logs.sink,
      },
    ).then((r) => r.envelope);
    return { envelope, logs };
  }

  it('records the delivery in the envelope and tags the message with the function', async () => {
    const { envelope, logs } = run('critical', 'n1');
    const result = await envelope;
    expect(result.outcome).toBe('warn');
    expect(result.notifications).toEqual([{ channel: 'ops', ok: true, attempts: 1 }]);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify(receiver.requests[0]?.json())).toContain('opsfn · reporter');
    expect(logs.audits().some((a) => a.decision === 'notified' && a.target === 'ops')).toBe(true);
  });

  it('keeps the run outcome when delivery fails, and the secret out of the logs', async () => {
    receiver.script({ status: 500, body: `bad ${SLACK_SECRET_PATH}` }, { status: 500 });
    const { envelope, logs } = run('critical', 'n2');
    const result = await envelope;
    expect(result.outcome).toBe('warn');
    expect(result.notifications).toEqual([{ channel: 'ops', ok: false, attempts: 2, error: 'slack: HTTP 500' }]);
    expect(logs.lines.join('\n')).not.toContain('run-secret-token');
  });

  it('sends nothing when the route does not take the severity', async () => {
    const result = await run('warning', 'n3').envelope;
    expect(result.notifications).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses to echo a literal webhook URL or header value back from the receiver: envelope, audit line', async () => {
    const hook = `${receiver.url}/hooks/literal-path-token-4711`;
    const header = 'Token literal-header-secret-0815';
    // A careless receiver quotes what it got: its own URL and the credential header.
    receiver.script({ status: 400, body: `rejected POST ${hook} with x-api-key=${header}` });
    const logs = captureLogs();
    const runtime = await createRuntime({
      config: testEstateOf({
        notify: {
          channels: { hook: { type: 'webhook', url: hook, headers: { 'x-api-key': header } } },
          routes: [{ severity: 'critical', channels: ['hook'] }],
          retries: 0,
        },
      }),
      functions: [reporter],
      logSink: logs.sink,
    });
    const result = await runtime.invoke('reporter', { kind: 'manual', id: 'n4', payload: { severity: 'critical' } });
    await runtime.close();
    expect(receiver.requests[0]?.headers['x-api-key']).toBe(header);
    const [delivery] = result.notifications;
    expect(delivery).toMatchObject({ channel: 'hook', ok: false });
    expect(delivery?.error).toContain('[REDACTED]');
    const audit = logs.audits().find((a) => a.decision === 'notified' && a.target === 'hook');
    expect(audit?.reason).toContain('delivery failed: webhook: HTTP 400: rejected POST [REDACTED]');
    for (const text of [JSON.stringify(result), ...logs.lines]) {
      expect(text).not.toContain('literal-path-token-4711');
      expect(text).not.toContain('literal-header-secret-0815');
    }
  });
});
