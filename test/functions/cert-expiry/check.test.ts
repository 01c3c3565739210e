import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckOptions, type Sweep, sweepCertificates } from '../../../functions/cert-expiry/check.js';
import { CertificatesSchema } from '../../../functions/cert-expiry/config.js';
import { targetsOf } from '../../../functions/cert-expiry/targets.js';
import type { CertItem } from '../../../functions/cert-expiry/types.js';
import { createTlsFixtures, type TlsFixtures } from '../../support/tls-fixtures.js';
import {
  REFUSED_PORT,
  type RunningServer,
  serveOptions,
  startHangingServer,
  startHttpServer,
  startSmtpServer,
  startTlsOnAddresses,
  startTlsServer,
} from '../../support/tls-servers.js';

// Certificates carry whole seconds; half a second past keeps day counts away from a boundary.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);
const LOOPBACKS = ['127.0.0.1', '127.0.0.2', '::1'];
let fx: TlsFixtures;
const servers: RunningServer[] = [];
const ports: Record<string, number> = {};
let items: CertItem[] = [];
let pooled: Sweep;
let elapsedMs = 0;

async function serve(name: string, start: Promise<RunningServer>): Promise<void> {
  const server = await start;
  servers.push(server);
  ports[name] = server.port;
}

beforeAll(async () => {
  fx = createTlsFixtures(NOW);
  const chain = [fx.inter];
  for (const [name, leaf] of Object.entries(fx.leaves)) {
    await serve(name, startTlsServer(serveOptions(leaf, name === 'underSoon' ? [fx.interSoon] : chain)));
  }
  await serve('selfSigned', startTlsServer(serveOptions(fx.selfSigned)));
  await serve('leafOnly', startTlsServer(serveOptions(fx.leaves.ok)));
  await serve('crossSign', startTlsServer(serveOptions(fx.leaves.ok, [fx.inter, fx.crossSigned])));
  await serve('oldProtocol', startTlsServer(serveOptions(fx.leaves.ok, chain, { maxVersion: 'TLSv1.1' })));
  await serve('same', startTlsOnAddresses(LOOPBACKS.map((a) => [a, serveOptions(fx.leaves.ok, chain)])));
  await serve(
    'split',
    startTlsOnAddresses(
      LOOPBACKS.map((a) => [a, serveOptions(a === '127.0.0.2' ? fx.leaves.okTwin : fx.leaves.ok, chain)]),
    ),
  );
  await serve('smtp', startSmtpServer(serveOptions(fx.leaves.ok, chain)));
  await serve('smtpPlain', startSmtpServer(serveOptions(fx.leaves.ok, chain), false));
  await serve('smtpTerse', startSmtpServer(serveOptions(fx.leaves.ok, chain), true, '127.0.0.1', true));
  await serve('hanging', startHangingServer());
  await serve('http', startHttpServer());
  ports.refused = REFUSED_PORT;

  const local = (name: string, extra: Record<string, unknown> = {}) => ({
    host: `${name}.test.local`,
    address: '127.0.0.1',
    port: ports[name],
    ...extra,
  });
  const section = CertificatesSchema.parse({
    caFile: fx.caFile,
    timeout: '2s',
    endpoints: [
      ...Object.keys(fx.leaves).map((name) => local(name)),
      local('selfSigned'),
      local('selfSigned', { host: 'pinned.test.local', caFile: fx.pki.bundle('pinned', [fx.selfSigned]) }),
      local('leafOnly'),
      local('crossSign'),
      local('crossSign', { host: 'cross-old.test.local', caFile: fx.oldRootOnly }),
      local('oldProtocol'),
      `same.test.local:${ports.same}`,
      `split.test.local:${ports.split}`,
      `127.0.0.1:${ports.ok}`,
      local('smtp', { protocol: 'smtp' }),
      local('smtpPlain', { protocol: 'smtp' }),
      local('smtpTerse', { protocol: 'smtp' }),
      local('hanging'),
      local('hanging', { host: 'hanging-smtp.test.local', protocol: 'smtp' }),
      local('http'),
      local('refused'),
      { host: 'nowhere.invalid', port: 443 },
    ],
  });
  // The cross-sign case with only the old root trusted must not see the test root from the section's caFile.
  const targets = targetsOf(section).map((t) =>
    t.host === 'cross-old.test.local' ? { ...t, caFiles: [fx.oldRootOnly] } : t,
  );
  const options: CheckOptions = {
    now: () => NOW,
    thresholds: { warnDays: section.warnDays, criticalDays: section.criticalDays },
    timeoutMs: section.timeout,
    concurrency: 8,
    runTimeoutMs: 20_000,
    lookup: async (host) => {
      if (host === 'same.test.local' || host === 'split.test.local') return LOOPBACKS;
      const { systemLookup } = await import('../../../functions/cert-expiry/resolve.js');
      return systemLookup(host);
    },
  };
  const started = Date.now();
  // The same sweep on the calling thread and on two worker threads, side by side.
  const [inline, onWorkers] = await Promise.all([
    sweepCertificates(targets, { ...options, threads: 0 }),
    sweepCertificates(targets, { ...options, threads: 2 }),
  ]);
  items = inline.items;
  pooled = onWorkers;
  elapsedMs = Date.now() - started;
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fx?.pki.cleanup();
});

function item(host: string): CertItem {
  const found = items.find((i) => i.host === host);
  if (!found) throw new Error(`no item for ${host}`);
  return found;
}

describe('checkCertificates', () => {
  it.each([
    ['ok.test.local', 'ok', []],
    ['warn.test.local', 'warn', ['expiring']],
    ['critical.test.local', 'critical', ['expiring']],
    ['expired.test.local', 'critical', ['expired']],
    ['notYet.test.local', 'critical', ['not-yet-valid']],
    ['short47Ok.test.local', 'ok', []],
    ['short47Overdue.test.local', 'warn', ['expiring']],
    ['mismatch.test.local', 'critical', ['hostname-mismatch']],
    ['rsa1024.test.local', 'warn', ['weak-key']],
    ['sha1.test.local', 'warn', ['weak-signature']],
    ['underSoon.test.local', 'critical', ['chain-expiring']],
    ['selfSigned.test.local', 'critical', ['untrusted', 'self-signed']],
    ['pinned.test.local', 'ok', []],
    ['leafOnly.test.local', 'critical', ['untrusted']],
    ['crossSign.test.local', 'ok', []],
    ['cross-old.test.local', 'critical', ['chain-expiring', 'untrusted']],
    ['oldProtocol.test.local', 'warn', ['old-protocol']],
    ['smtp.test.local', 'ok', []],
    ['smtpPlain.test.local', 'error', ['not-tls']],
    ['smtpTerse.test.local', 'ok', []],
    ['hanging.test.local', 'error', ['timeout']],
    ['hanging-smtp.test.local', 'error', ['timeout']],
    ['http.test.local', 'error', ['not-tls']],
    ['refused.test.local', 'error', ['refused']],
    ['nowhere.invalid', 'error', ['dns']],
  ])('judges %s as %s %j', (host, status, problems) => {
    expect({ status: item(host).status, problems: item(host).problems }).toEqual({ status, problems });
  });

  it('reports the leaf, the chain and the handshake of a healthy endpoint', () => {
    const ok = item('ok.test.local');
    expect(ok).toMatchObject({
      endpoint: `ok.test.local:${ports.ok}`,
      address: '127.0.0.1',
      servername: 'ok.test.local',
      daysLeft: 334,
      subject: 'CN=ok.test.local',
      issuer: 'CN=opsfn Test Intermediate',
      keyType: 'ec',
      keyBits: 256,
      signature: 'ecdsa-with-SHA256',
      protocol: 'TLSv1.3',
      trusted: true,
      authorizationError: null,
    });
    expect(ok.sans).toContain('DNS:*.test.local');
    expect(new Date(ok.notAfter!).getTime() - NOW.getTime()).toBeGreaterThan(334 * 86_400_000);
    expect(ok.chainNotAfter).toBe(
      new Date(Math.floor((NOW.getTime() + 1825 * 86_400_000) / 1000) * 1000).toISOString(),
    );
  });

  it('keeps the certificate data when verification fails', () => {
    const self = item('selfSigned.test.local');
    expect(self.subject).toBe('CN=self.test.local');
    expect(self.daysLeft).toBe(334);
    expect(self.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it.each([
    ['ok.test.local', null],
    ['expired.test.local', 'CERT_HAS_EXPIRED'],
    ['notYet.test.local', 'CERT_NOT_YET_VALID'],
    ['mismatch.test.local', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['leafOnly.test.local', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['cross-old.test.local', 'CERT_HAS_EXPIRED'],
    ['crossSign.test.local', null],
  ])('names why a strict client would refuse %s: %s', (host, error) => {
    expect(item(host).authorizationError).toBe(error);
  });

  it('reports the weak key size and the SHA-1 signature', () => {
    expect(item('rsa1024.test.local')).toMatchObject({ keyType: 'rsa', keyBits: 1024 });
    expect(item('sha1.test.local').signature).toBe('ecdsa-with-SHA1');
  });

  it('probes every address of a name and names each', () => {
    const same = items.filter((i) => i.host === 'same.test.local');
    expect(same.map((i) => i.address)).toEqual(LOOPBACKS);
    expect(same.every((i) => i.status === 'ok')).toBe(true);
  });

  it('flags every address when the addresses of one name serve different certificates', () => {
    const split = items.filter((i) => i.host === 'split.test.local');
    expect(split.map((i) => [i.address, i.status, i.problems])).toEqual(
      LOOPBACKS.map((a) => [a, 'warn', ['inconsistent']]),
    );
  });

  it('checks an IP endpoint against the IP SANs', () => {
    expect(item('127.0.0.1')).toMatchObject({ status: 'ok', servername: '127.0.0.1', problems: [] });
  });

  it('names why a probe failed', () => {
    expect(item('hanging.test.local').error).toBe('no TLS handshake within 2000ms');
    expect(item('hanging-smtp.test.local').error).toBe('STARTTLS (SMTP) not completed within 2000ms');
    expect(item('refused.test.local').error).toMatch(/ECONNREFUSED/);
    expect(item('smtpPlain.test.local').error).toMatch(/does not offer STARTTLS/);
    // OpenSSL's thread id and source location are left out, so the text is the same on every thread.
    expect(item('http.test.local').error).toMatch(
      /^TLS handshake failed: error:[0-9A-F]+:SSL routines:\w+:wrong version number$/,
    );
    expect(item('nowhere.invalid')).toMatchObject({ address: null, daysLeft: null });
  });

  it('returns the same items, in the same order, when probing on worker threads', () => {
    expect(pooled).toMatchObject({ threads: 2, workerErrors: [] });
    expect(pooled.items).toEqual(items);
  });

  it('finishes within the probe timeout rounds', () => {
    expect(elapsedMs).toBeLessThan(8_000);
  });
});
