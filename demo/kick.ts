import type { Trigger } from '../shared/core/events/index.js';
import type { Runtime } from '../shared/host/runtime/index.js';

function alert(name: string, fingerprint: string, labels: Record<string, string>): Trigger {
  return {
    kind: 'alert',
    id: `demo:${fingerprint}:${Date.now()}`,
    alert: {
      source: 'alertmanager',
      name,
      state: 'firing',
      labels: { alertname: name, ...labels },
      annotations: { summary: `${name} (demo)` },
      startedAt: new Date().toISOString(),
      fingerprint,
    },
  };
}

const scheduled = (job: string): Trigger => ({
  kind: 'scheduled',
  id: `demo:${job}:${Date.now()}`,
  job,
  scheduledAt: new Date().toISOString(),
  payload: {},
});

/**
 * The demo's first minute: each checking function runs once as its schedule would, then the error
 * spike on checkout fires its alert (rollback) and search's latency alert fires (autoscale); the
 * older checkout revision serves clean requests once traffic is back on it, so the rollback verifies.
 */
export function kickDemo(runtime: Runtime, log: (line: string) => void, recover: () => void): void {
  const first: [string, Trigger][] = [
    ['backupVerify', scheduled('backup-verify')],
    ['certExpiry', scheduled('cert-expiry')],
    ['healthSweep', scheduled('health-sweep')],
    ['autoscale', alert('SearchLatency', 'demo-search', { service: 'search' })],
    ['rollback', alert('CheckoutErrorRate', 'demo-checkout', { service_name: 'checkout' })],
  ];
  void (async () => {
    for (const [fn, trigger] of first) {
      if (fn === 'rollback') setTimeout(recover, 5_000).unref();
      const envelope = await runtime.invoke(fn, trigger);
      log(`demo ${fn}: ${envelope.outcome}: ${envelope.summary}`);
    }
  })().catch((error: unknown) => log(`demo runs stopped: ${(error as Error).message}`));
}
