import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeCloudRun } from './fakes/cloud-run.js';
import { FakeKubernetes } from './fakes/kubernetes.js';
import { FakeMonitoring } from './fakes/monitoring.js';

/** The Cloud Run service whose newest revision fails: 18 % of its requests answer 5xx. */
export const CHECKOUT = 'projects/opsfn-demo/locations/europe-west1/services/checkout';

const minutesAgo = (now: Date, m: number) => new Date(now.getTime() - m * 60_000);

/** A plain HTTP service for the health checks and the drill: `/healthz`, `/ready` and an API path. */
function startShop(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const body =
      path === '/ready'
        ? { status: 'ok', checks: { database: { status: 'ok' }, cache: { status: 'ok' } } }
        : path === '/healthz' || path === '/api/orders'
          ? { status: 'ok' }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The demo's platforms: Cloud Run (service `checkout`, a fresh revision with an error spike) and its
 * Cloud Monitoring request counts, Kubernetes (Deployment `shop/search` at 2 replicas), and the shop's
 * own HTTP service; all on loopback, all stopped by `stop`.
 */
export async function startDemoCloud(now: Date) {
  const run = new FakeCloudRun();
  const monitoring = new FakeMonitoring();
  const k8s = new FakeKubernetes();
  const shop = await startShop();
  await Promise.all([run.server.start(), monitoring.server.start(), k8s.server.start()]);
  run.addService(CHECKOUT, [
    { name: 'checkout-00041-kav', createTime: minutesAgo(now, 4 * 24 * 60).toISOString() },
    { name: 'checkout-00042-bex', createTime: minutesAgo(now, 12).toISOString() },
  ]);
  // The revision serving before the deploy was clean; the new one fails one request in six.
  monitoring.traffic('checkout', 'checkout-00041-kav', minutesAgo(now, 20), 6000, 3);
  for (const m of [4, 3, 2, 1]) monitoring.traffic('checkout', 'checkout-00042-bex', minutesAgo(now, m), 1500, 270);
  k8s.addDeployment(
    'shop',
    'search',
    ['search:1.8.0', 'search:1.9.0'],
    [minutesAgo(now, 9000), minutesAgo(now, 3000)],
    2,
  );
  const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  return {
    runUrl: run.server.url,
    monitoringUrl: monitoring.server.url,
    kubernetesUrl: k8s.server.url,
    shopUrl,
    /** After a rollback to the older revision, its requests come back clean. */
    recover: () => monitoring.traffic('checkout', 'checkout-00041-kav', new Date(), 3000, 1),
    async stop() {
      await Promise.all([run.server.stop(), monitoring.server.stop(), k8s.server.stop()]);
      shop.closeAllConnections();
      await new Promise<void>((resolve) => shop.close(() => resolve()));
    },
  };
}
