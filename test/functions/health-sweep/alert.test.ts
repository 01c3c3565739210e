import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertTrigger } from '../../../shared/core/events/trigger.js';
import { healthHarness, httpServer, itemsOf, manual } from './harness.js';

const state = { up: false };
let app: Awaited<ReturnType<typeof httpServer>>;

beforeAll(async () => {
  app = await httpServer((_req, res) => {
    res.writeHead(state.up ? 200 : 503);
    res.end();
  });
});
afterAll(() => app.stop());

function serviceDown(status: 'firing' | 'resolved' = 'firing'): AlertTrigger {
  return {
    kind: 'alert',
    id: `am:${Math.random()}`,
    alert: {
      source: 'alertmanager',
      name: 'ServiceDown',
      state: status,
      labels: { alertname: 'ServiceDown', deployment: 'gateway', namespace: 'chat' },
      annotations: {},
      startedAt: '2026-03-02T08:59:00Z',
      fingerprint: 'f1',
    },
  };
}

const estate = () => ({
  services: { gateway: { platform: 'kubernetes' as const, namespace: 'chat', deployment: 'gateway' } },
  health: {
    alerts: [{ name: 'service-down', match: { alert: 'ServiceDown' } }],
    checks: [
      { name: 'gateway-health', kind: 'http', service: 'gateway', url: `${app.url}/health`, failAfter: 3 },
      { name: 'other', kind: 'http', url: `${app.url}/other`, failAfter: 1 },
    ],
  },
});

describe('healthSweep on alerts', () => {
  it("confirms a ServiceDown alert with its own probe and pages at once, running only that service's checks", async () => {
    state.up = false;
    const h = healthHarness(estate());
    const envelope = await h.invoke(serviceDown());
    expect(envelope.outcome).toBe('fail');
    expect(envelope.summary).toMatch(/^alert ServiceDown confirmed for gateway: 1 check\(s\)/);
    expect(Object.keys(itemsOf(envelope))).toEqual(['gateway-health']);
    expect(itemsOf(envelope)['gateway-health']).toMatchObject({ failures: 1, down: true });
    expect(h.sent.map((m) => m.title)).toEqual(['gateway down: gateway-health']);
  });

  it('says so when its own checks do not confirm the alert', async () => {
    state.up = true;
    const h = healthHarness(estate());
    const envelope = await h.invoke(serviceDown());
    expect(envelope.outcome).toBe('ok');
    expect(envelope.summary).toMatch(/^alert ServiceDown not confirmed for gateway/);
    expect(h.sent).toMatchObject([
      { severity: 'info', title: 'ServiceDown on gateway not confirmed by its health checks' },
    ]);
  });

  it('skips alerts no policy matches and alerts about a service without checks', async () => {
    const h = healthHarness(estate());
    const other = serviceDown();
    other.alert.name = 'HighLatency';
    expect(await h.invoke(other)).toMatchObject({ outcome: 'skipped' });
    const unknown = serviceDown();
    unknown.alert.labels = { deployment: 'billing' };
    const failed = await h.invoke(unknown);
    expect(failed.outcome).toBe('fail');
    expect(failed.summary).toMatch(/no estate service matches deployment "billing"/);
  });
});

describe('healthSweep manual runs', () => {
  it('runs the named checks now and refuses names the estate does not have', async () => {
    state.up = true;
    const h = healthHarness(estate());
    const envelope = await h.invoke(manual({ checks: ['other'] }));
    expect(Object.keys(itemsOf(envelope))).toEqual(['other']);
    const refused = await h.invoke(manual({ checks: ['nope'] }));
    expect(refused.outcome).toBe('rejected');
    expect(refused.summary).toMatch(/unknown check\(s\): nope \(known: gateway-health, other\)/);
    const noService = await h.invoke(manual({ service: 'billing' }));
    expect(noService.summary).toMatch(/service "billing" is not in the estate/);
    expect(h.audits().some((a) => a.decision === 'rejected' || a.outcome === 'rejected')).toBe(true);
  });

  it('skips when the estate has no health section', async () => {
    const h = healthHarness({});
    expect(await h.invoke()).toMatchObject({ outcome: 'skipped', summary: 'no health checks configured' });
  });
});
