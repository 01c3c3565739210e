import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProbe } from '../../../functions/cert-expiry/analyze.js';
import { buildChain, MAX_STEPS } from '../../../functions/cert-expiry/chain.js';
import { buildTrustStore, type ParsedCert, parseCert } from '../../../functions/cert-expiry/trust.js';
import { type TestCert, TestPki } from '../../support/tls-pki.js';

const pki = new TestPki();
afterAll(() => pki.cleanup());

const parsed = (cert: TestCert): ParsedCert => parseCert(new X509Certificate(cert.pem));

describe('buildChain', () => {
  const root = pki.issue({
    name: 'root',
    cn: 'Chain Root',
    key: pki.key('root'),
    fromDays: -10,
    toDays: 3650,
    ca: true,
  });
  const mid = pki.issue({
    name: 'mid',
    cn: 'Chain Intermediate',
    key: pki.key('mid'),
    issuer: root,
    fromDays: -10,
    toDays: 365,
    ca: true,
  });
  const leaf = pki.issue({
    name: 'leaf',
    cn: 'svc.example',
    key: pki.key('leaf'),
    issuer: mid,
    fromDays: -1,
    toDays: 90,
    sans: ['DNS:svc.example'],
  });
  const store = buildTrustStore([root.pem]);

  it('reaches the trusted root through the presented intermediate', () => {
    const chain = buildChain([parsed(leaf), parsed(mid)], store, new Date(), new Map());
    expect(chain.trusted).toBe(true);
    expect(chain.certs.map((c) => c.subject)).toEqual(['CN=svc.example', 'CN=Chain Intermediate', 'CN=Chain Root']);
  });

  it('stops after its step budget and judges the chain untrusted rather than searching on', () => {
    const chain = buildChain([parsed(leaf), parsed(mid)], store, new Date(), new Map(), 2);
    expect(chain).toMatchObject({ trusted: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(chain.certs.map((c) => c.subject)).toEqual(['CN=svc.example', 'CN=Chain Intermediate']);
    expect(MAX_STEPS).toBeGreaterThan(100);
  });

  it('ends at once on a chain of certificates that share one name and key, each of which issues every other', () => {
    // A hostile or broken server: 15 CA certificates with one subject and one key. Each path through them is
    // a loop; counting every ordering would take hours on the thread that probes, with its timers stopped.
    const key = pki.key('loop');
    const loop = Array.from({ length: 15 }, (_, i) =>
      pki.issue({ name: `loop${i}`, cn: 'Loop CA', key, fromDays: -1, toDays: 365, ca: true }),
    );
    const victim = pki.issue({
      name: 'victim',
      cn: 'victim.example',
      key: pki.key('victim'),
      issuer: loop[0],
      fromDays: -1,
      toDays: 90,
    });
    const issued = new Map<string, boolean>();
    const chain = buildChain([victim, ...loop].map(parsed), store, new Date(), issued);
    expect(chain).toMatchObject({ trusted: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(chain.certs).toHaveLength(2);
    // One signature check per pair at most: the leaf against each CA, and each CA against the others.
    expect(issued.size).toBeLessThanOrEqual(15 + 15 * 14);
  });

  it('does not let a certificate that is not a CA issue one, though its signature checks out', () => {
    const notCa = pki.issue({
      name: 'not-ca',
      cn: 'Not A CA',
      key: pki.key('not-ca'),
      issuer: root,
      fromDays: -10,
      toDays: 365,
      extensions: ['basicConstraints = CA:FALSE'],
    });
    const below = pki.issue({
      name: 'below-not-ca',
      cn: 'api.example',
      key: pki.key('below-not-ca'),
      issuer: notCa,
      fromDays: -1,
      toDays: 90,
      sans: ['DNS:api.example'],
    });
    expect(buildChain([parsed(below), parsed(notCa)], store, new Date(), new Map())).toMatchObject({ trusted: false });
  });
});

describe('judging a leaf as clients do', () => {
  const root = pki.issue({
    name: 'judge-root',
    cn: 'Judge Root',
    key: pki.key('judge-root'),
    fromDays: -10,
    toDays: 3650,
    ca: true,
  });
  const store = buildTrustStore([root.pem]);
  const leafWith = (name: string, extensions: string[], sans?: string[]) =>
    pki.issue({
      name,
      cn: 'api.example.com',
      key: pki.key(name),
      issuer: root,
      fromDays: -1,
      toDays: 90,
      extensions: [
        'basicConstraints = CA:FALSE',
        'keyUsage = critical,digitalSignature,keyEncipherment',
        ...extensions,
      ],
      ...(sans ? { sans } : {}),
    });
  const judge = (leaf: TestCert, above: TestCert[] = []) =>
    analyzeProbe(
      {
        endpoint: 'api.example.com:443',
        host: 'api.example.com',
        port: 443,
        servername: 'api.example.com',
        protocol: 'tls',
        caFiles: [],
      },
      '127.0.0.1',
      { ok: true, chain: [leaf, ...above].map((c) => new X509Certificate(c.pem)), protocol: 'TLSv1.3' },
      {
        now: new Date(),
        thresholds: { warnDays: 30, criticalDays: 7 },
        store,
        cache: new Map(),
        chains: new WeakMap(),
        parsed: new Map(),
      } as never,
    );

  it('takes the names from subjectAltName only: a certificate naming its host only in the CN is a mismatch', () => {
    const cnOnly = judge(leafWith('cn-only', ['extendedKeyUsage = serverAuth']));
    expect(cnOnly).toMatchObject({ status: 'critical', authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(JSON.stringify(cnOnly.problems)).toContain('hostname-mismatch');
    expect(judge(leafWith('san', ['extendedKeyUsage = serverAuth'], ['DNS:api.example.com'])).status).toBe('ok');
  });

  it('refuses a leaf whose extended key usage leaves out serverAuth, as a client verifying its purpose does', () => {
    const clientOnly = judge(leafWith('client-only', ['extendedKeyUsage = clientAuth'], ['DNS:api.example.com']));
    expect(clientOnly).toMatchObject({ status: 'critical', trusted: true, authorizationError: 'INVALID_PURPOSE' });
    expect(JSON.stringify(clientOnly.problems)).toContain('untrusted');
    expect(judge(leafWith('no-eku', [], ['DNS:api.example.com'])).status).toBe('ok');
  });

  it('refuses a chain whose intermediate is limited to another purpose, as OpenSSL and Node do', () => {
    const mid = pki.issue({
      name: 'eku-mid',
      cn: 'Client-only Intermediate',
      key: pki.key('eku-mid'),
      issuer: root,
      fromDays: -1,
      toDays: 365,
      extensions: [
        'basicConstraints = critical,CA:TRUE',
        'keyUsage = critical,keyCertSign,cRLSign',
        'extendedKeyUsage = clientAuth',
      ],
    });
    const leaf = pki.issue({
      name: 'eku-mid-leaf',
      cn: 'api.example.com',
      key: pki.key('eku-mid-leaf'),
      issuer: mid,
      fromDays: -1,
      toDays: 90,
      sans: ['DNS:api.example.com'],
    });
    const judged = judge(leaf, [mid]);
    expect(judged).toMatchObject({ status: 'critical', authorizationError: 'INVALID_PURPOSE' });
    expect(JSON.stringify(judged.problems)).toContain('untrusted');
  });

  it('matches no partial wildcard (w*.example.com), as browsers and Go refuse them', () => {
    const partial = judge(leafWith('partial', ['extendedKeyUsage = serverAuth'], ['DNS:ap*.example.com']));
    expect(JSON.stringify(partial.problems)).toContain('hostname-mismatch');
    const whole = judge(leafWith('whole', ['extendedKeyUsage = serverAuth'], ['DNS:*.example.com']));
    expect(whole.status).toBe('ok');
  });
});
