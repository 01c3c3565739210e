import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryOf } from '../../../../shared/core/config/lookup.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { functions } from '../../../support/catalogue.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { recordingNotifier } from '../../../support/recording-notifier.js';
import { serveRuntime } from '../../../support/serve.js';

describe('entryOf', () => {
  it('finds own entries only', () => {
    const services = { web: 1 };
    expect(entryOf(services, 'web')).toBe(1);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(entryOf(services, name), name).toBeUndefined();
    }
    expect(entryOf(undefined, 'web')).toBeUndefined();
  });
});

describe('payloads naming inherited properties, over HTTP', () => {
  const logs = captureLogs();
  let served: Awaited<ReturnType<typeof serveRuntime>>;
  beforeAll(async () => {
    served = await serveRuntime({
      config: testEstate({
        services: { web: { platform: 'cloud-run', project: 'p1', region: 'us-central1', name: 'web' } },
        certificates: { endpoints: [{ host: 'web.example', port: 443 }] },
      }),
      functions,
      state: new MemoryStateStore(),
      notifier: recordingNotifier(),
      logSink: logs.sink,
    });
  });
  afterAll(() => served.stop());

  it.each([
    ['rollback', { service: 'constructor', reason: 'probe' }],
    ['rollback', { action: 'release-pin', service: 'toString', reason: 'probe' }],
    ['autoscale', { service: 'constructor', replicas: 1, reason: 'probe' }],
    ['autoscale', { service: '__proto__', min: 1, reason: 'probe' }],
    ['drDrill', { plan: 'constructor' }],
    ['backupVerify', { backups: ['constructor'] }],
    ['certExpiry', { endpoints: ['constructor'] }],
  ])('answers %s %j with 404, not retryable, and audits it', async (name, payload) => {
    const before = logs.audits().length;
    const res = await fetch(`${served.url}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ outcome: 'rejected', error: { kind: 'notFound', retryable: false } });
    expect(logs.audits().slice(before)).toContainEqual(
      expect.objectContaining({ function: name, decision: 'finished', outcome: 'rejected' }),
    );
  });
});
