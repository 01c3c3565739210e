/** Where the demo's parts listen and live, for its estate file. */
export interface DemoParts {
  dir: string;
  caFile: string | undefined;
  tls: { days: number; port: number }[];
  runUrl: string;
  monitoringUrl: string;
  kubernetesUrl: string;
  shopUrl: string;
}

/** The demo estate as YAML-ready data: every function has something real to find in it. */
export function demoEstate(parts: DemoParts): Record<string, unknown> {
  return {
    estate: 'demo',
    timezone: 'UTC',
    mode: 'enforce',
    state: 'memory',
    auth: {
      tokens: [
        { name: 'alice', token: { env: 'OPSFN_DEMO_ALICE' } },
        { name: 'bob', token: { env: 'OPSFN_DEMO_BOB' } },
      ],
    },
    endpoints: {
      run: { url: parts.runUrl, credentials: 'none' },
      // The demo's stand-in shows a request count at once; Cloud Monitoring takes up to 3 minutes.
      monitoring: { url: parts.monitoringUrl, credentials: 'none', visibleAfter: '0s' },
    },
    guard: { rateLimit: { perTarget: { max: 3, window: '1h' }, global: { max: 10, window: '1h' } }, lockTtl: '15m' },
    limits: { body: '1MiB', timeout: '5m' },
    reports: { url: `file://${parts.dir}/reports/` },
    services: {
      checkout: { platform: 'cloud-run', project: 'opsfn-demo', region: 'europe-west1', name: 'checkout' },
      search: { platform: 'kubernetes', server: parts.kubernetesUrl, namespace: 'shop', deployment: 'search' },
    },
    backups: {
      orders: { kind: 'object-store', url: `file://${parts.dir}/backups/orders/`, pattern: '*.sql.gz', rpo: '26h' },
      invoices: { kind: 'object-store', url: `file://${parts.dir}/backups/invoices/`, pattern: '*.sql.gz', rpo: '26h' },
      audit: { kind: 'object-store', url: `file://${parts.dir}/backups/audit/`, pattern: '*.sql.gz', rpo: '26h' },
    },
    certificates: {
      endpoints: parts.tls.map((t) => ({ host: 'localhost', port: t.port, address: '127.0.0.1' })),
      ...(parts.caFile ? { caFile: parts.caFile } : {}),
      warnDays: 30,
      criticalDays: 7,
    },
    rollback: {
      policies: [
        {
          name: 'checkout-5xx',
          match: { alert: 'CheckoutErrorRate' },
          service: 'checkout',
          errorRate: { threshold: '5%', window: '5m', minRequests: 100 },
          settle: '15s',
        },
      ],
    },
    autoscale: {
      policies: [
        { name: 'search-slow', match: { alert: 'SearchLatency' }, service: 'search', up: { step: '+2', max: 6 } },
      ],
    },
    health: {
      checks: [
        { name: 'shop-health', kind: 'http', url: `${parts.shopUrl}/healthz` },
        { name: 'shop-ready', kind: 'http', url: `${parts.shopUrl}/ready` },
        { name: 'checkout-platform', kind: 'platform', service: 'checkout' },
        { name: 'search-platform', kind: 'platform', service: 'search' },
        { name: 'payments-tcp', kind: 'tcp', host: '127.0.0.1', port: 9 },
      ],
    },
    drills: {
      'shop-failover': {
        description: 'Check the standby shop answers and serves orders (demo).',
        targets: { rto: '5m', rpo: '1h' },
        steps: [
          { step: 'http.check', name: 'standby-health', url: `${parts.shopUrl}/healthz`, expect: { status: 200 } },
          { step: 'wait', name: 'settle', duration: '5s' },
          {
            step: 'http.check',
            name: 'orders-api',
            url: `${parts.shopUrl}/api/orders`,
            expect: { status: 200, maxLatency: '2s' },
          },
        ],
      },
    },
  };
}
