import { describe, expect, it } from 'vitest';
import { defineFunction } from '../../../../shared/core/run/define-function.js';
import * as z from '../../../../shared/core/schema/index.js';
import { createRuntime } from '../../../../shared/host/runtime/runtime.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { type CallLog, makeMutateFunction } from '../../../support/mutate-function.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

// Port 1 on loopback refuses connections: a Redis that is down.
const deadRedis = { state: { redis: 'redis://127.0.0.1:1', prefix: 'opsfn-down:' } } as const;

const readOnly = defineFunction({
  name: 'check',
  description: 'read-only check',
  triggers: ['manual'],
  input: z.object({}),
  run: async () => ({ outcome: 'ok', summary: 'checked' }),
});

describe('runtime with the state store down', () => {
  it('still runs read-only checks and says state was unavailable', async () => {
    const logs = captureLogs();
    const runtime = await createRuntime({
      config: testEstate(deadRedis),
      functions: [readOnly],
      notifier: recordingNotifier(),
      logSink: logs.sink,
    });
    const started = Date.now();
    const envelope = await runtime.invoke('check', { kind: 'manual', id: 'r1', payload: {} });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(envelope).toMatchObject({ outcome: 'ok', state: 'unavailable' });
    expect(logs.records().some((r) => String(r.message).includes('state store unavailable'))).toBe(true);
    await runtime.close();
  });

  it('refuses a mutation (fail closed) with a retryable 503 and an audit record', async () => {
    const calls: CallLog = new Map();
    const logs = captureLogs();
    const runtime = await createRuntime({
      config: testEstate(deadRedis),
      functions: [makeMutateFunction(calls)],
      notifier: recordingNotifier(),
      logSink: logs.sink,
    });
    const envelope = await runtime.invoke('mutate', { kind: 'manual', id: 'm1', payload: { target: 'web' } });
    expect(calls.size).toBe(0);
    expect(envelope).toMatchObject({ outcome: 'fail', state: 'unavailable', error: { status: 503, retryable: true } });
    expect(envelope.actions).toEqual([expect.objectContaining({ status: 'refused', by: 'state-unavailable' })]);
    expect(logs.audits().some((a) => a.decision === 'refused' && a.target === 'web')).toBe(true);
    await runtime.close();
  });

  it('stays live on /healthz and answers 503 on /readyz over HTTP', async () => {
    const served = await serveRuntime({
      config: testEstate(deadRedis),
      functions: [readOnly],
      notifier: recordingNotifier(),
      logSink: () => undefined,
    });
    try {
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${served.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unready', checks: { state: 'unavailable', auth: 'ok' } });
    } finally {
      await served.stop();
    }
  });
});
