import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoscaleKeys } from '../../../functions/autoscale/state-keys.js';
import { startAlertmanager } from '../../support/alertmanager.js';
import type { LocalProcess } from '../../support/local-process.js';
import { serveRuntime } from '../../support/serve.js';
import { autoscaleHarness, SCALE_PATCH } from './harness.js';

const TOKEN = 'autoscale-am-token';

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

describe('autoscale behind a real Alertmanager', () => {
  let h: Awaited<ReturnType<typeof autoscaleHarness>>;
  let served: Awaited<ReturnType<typeof serveRuntime>>;
  let alertmanager: LocalProcess;

  beforeAll(async () => {
    h = await autoscaleHarness({ overrides: { auth: { tokens: [{ env: 'AUTOSCALE_AM_TOKEN' }] } } });
    served = await serveRuntime({
      config: h.config,
      functions: [h.definition],
      state: h.state,
      notifier: h.notifier,
      env: { AUTOSCALE_AM_TOKEN: TOKEN },
      logSink: () => {},
    });
    alertmanager = await startAlertmanager({ webhookUrl: `${served.url}/autoscale`, bearer: TOKEN });
  }, 30_000);
  afterAll(async () => {
    await alertmanager?.stop();
    await served?.stop();
    await h?.stop();
  });

  const post = (endsAt?: string) =>
    fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'BackendSlow', deployment: 'backend', namespace: 'shop', severity: 'page' },
          annotations: { summary: 'p95 > 2s' },
          startsAt: new Date(Date.now() - 1_000).toISOString(),
          ...(endsAt ? { endsAt } : {}),
        },
      ]),
    });

  it('steps the Deployment up on the firing webhook and records the resolve', async () => {
    expect((await post()).status).toBe(200);
    const patch = await waitFor('the scale PATCH', () => h.k8s.server.find('PATCH', SCALE_PATCH)[0]);
    expect(patch.body).toEqual({ metadata: { resourceVersion: expect.any(String) }, spec: { replicas: 5 } });
    expect(h.k8s.deployments.get('shop/backend')?.spec.replicas).toBe(5);
    expect(await h.state.keys(AutoscaleKeys.firingPrefix('backend'))).toHaveLength(1);

    expect((await post(new Date().toISOString())).status).toBe(200);
    await waitFor('the resolve', async () => (await h.state.get(AutoscaleKeys.lastResolved('backend'))) ?? undefined);
    expect(await h.state.keys(AutoscaleKeys.firingPrefix('backend'))).toHaveLength(0);
    expect(h.k8s.server.find('PATCH', SCALE_PATCH)).toHaveLength(1);
  }, 30_000);
});
