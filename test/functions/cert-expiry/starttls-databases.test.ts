import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCertificates } from '../../../functions/cert-expiry/check.js';
import { CertificatesSchema } from '../../../functions/cert-expiry/config.js';
import { targetsOf } from '../../../functions/cert-expiry/targets.js';
import type { CertItem } from '../../../functions/cert-expiry/types.js';
import { type PrivateDatabase, startPrivateMariadb, startPrivatePostgres } from '../../support/tls-databases.js';
import { createTlsFixtures, type TlsFixtures } from '../../support/tls-fixtures.js';

// Certificates carry whole seconds; half a second past keeps day counts away from a boundary.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);
let fx: TlsFixtures;
let postgres: PrivateDatabase | undefined;
let mariadb: PrivateDatabase | undefined;
let items: CertItem[] = [];

beforeAll(async () => {
  fx = createTlsFixtures(NOW);
  const chain = fx.pki.bundle('db-chain', [fx.leaves.ok, fx.inter]);
  [postgres, mariadb] = await Promise.all([
    startPrivatePostgres(chain, fx.leaves.ok.key.path),
    startPrivateMariadb(chain, fx.leaves.ok.key.path),
  ]);
  const section = CertificatesSchema.parse({
    caFile: fx.caFile,
    timeout: '3s',
    endpoints: [
      { host: 'pg.test.local', address: '127.0.0.1', port: postgres.port, protocol: 'postgres' },
      { host: 'maria.test.local', address: '127.0.0.1', port: mariadb.port, protocol: 'mysql' },
      { host: 'pg-as-mysql.test.local', address: '127.0.0.1', port: postgres.port, protocol: 'mysql' },
      { host: 'maria-as-pg.test.local', address: '127.0.0.1', port: mariadb.port, protocol: 'postgres' },
    ],
  });
  items = await checkCertificates(targetsOf(section), {
    now: () => NOW,
    thresholds: section,
    timeoutMs: section.timeout,
    concurrency: 4,
    runTimeoutMs: 20_000,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), mariadb?.stop()]);
  fx?.pki.cleanup();
}, 60_000);

const byHost = (host: string) => items.find((i) => i.host === host);

describe('STARTTLS against real database servers', () => {
  it('reads the certificate of PostgreSQL after an SSLRequest', () => {
    expect(byHost('pg.test.local')).toMatchObject({
      status: 'ok',
      subject: 'CN=ok.test.local',
      trusted: true,
      problems: [],
    });
  });

  it('reads the certificate of MariaDB after an SSL request packet', () => {
    expect(byHost('maria.test.local')).toMatchObject({
      status: 'ok',
      subject: 'CN=ok.test.local',
      trusted: true,
      problems: [],
    });
  });

  it('reports a server that speaks another protocol as an error', () => {
    expect(byHost('pg-as-mysql.test.local')).toMatchObject({
      status: 'error',
      problems: ['timeout'],
      error: 'STARTTLS (MySQL) not completed within 3000ms',
    });
    expect(byHost('maria-as-pg.test.local')).toMatchObject({ status: 'error', problems: ['not-tls'] });
  });
});
