import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createNotifier } from '../../../shared/notify/create-notifier.js';
import { defineFunction } from '../../../shared/runtime/define-function.js';
import { runFunction } from '../../../shared/runtime/invoke.js';
import { MemoryStateStore } from '../../../shared/state/memory.js';
import { captureLogs, testEstate } from '../../support/estate.js';
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
    const config = testEstate({
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
    const envelope = runFunction(
      reporter,
      { kind: 'manual', id, payload: { severity } },
      {
        config,
        state: new MemoryStateStore(),
        notifier,
        logSink: logs.sink,
      },
    );
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
});
