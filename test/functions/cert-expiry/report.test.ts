import { describe, expect, it } from 'vitest';
import { buildNotification, claimKey, findingsOf, summarize } from '../../../functions/cert-expiry/report.js';
import type { CertItem } from '../../../functions/cert-expiry/types.js';

function item(overrides: Partial<CertItem>): CertItem {
  return {
    endpoint: 'api.example.com:443',
    host: 'api.example.com',
    port: 443,
    address: '192.0.2.1',
    servername: 'api.example.com',
    status: 'ok',
    daysLeft: 200,
    notAfter: '2027-01-01T00:00:00.000Z',
    notBefore: '2026-01-01T00:00:00.000Z',
    chainNotAfter: '2030-01-01T00:00:00.000Z',
    subject: 'CN=api.example.com',
    issuer: 'CN=CA',
    sans: ['DNS:api.example.com'],
    keyType: 'ec',
    keyBits: 256,
    signature: 'ecdsa-with-SHA256',
    protocol: 'TLSv1.3',
    fingerprint: 'AA',
    trusted: true,
    authorizationError: null,
    problems: [],
    ...overrides,
  };
}

describe('summarize', () => {
  it.each([
    [[item({})], 'ok'],
    [[item({}), item({ status: 'warn', problems: ['expiring'] })], 'warn'],
    [[item({ status: 'warn' }), item({ status: 'error', problems: ['refused'] })], 'fail'],
    [[item({ status: 'critical', problems: ['expired'] })], 'fail'],
  ] as const)('turns the worst status into the outcome (%#)', (items, outcome) => {
    expect(summarize([...items]).outcome).toBe(outcome);
  });

  it('counts addresses and endpoints and names the soonest expiry', () => {
    const { summary } = summarize([
      item({ daysLeft: 40 }),
      item({ address: '192.0.2.2', daysLeft: 12 }),
      item({ endpoint: 'b:443', daysLeft: 90 }),
    ]);
    expect(summary).toBe(
      '3 addresses of 2 endpoints: 3 ok, 0 warn, 0 critical, 0 error; soonest expiry api.example.com:443 in 12 days',
    );
  });
});

describe('findingsOf', () => {
  it('merges the addresses of one endpoint and problem at the worst level', () => {
    const findings = findingsOf([
      item({ status: 'warn', problems: ['inconsistent'] }),
      item({ address: '192.0.2.2', status: 'critical', problems: ['expired', 'inconsistent'], daysLeft: -2 }),
      item({ endpoint: 'ok:443' }),
    ]);
    expect(findings.map((f) => [f.endpoint, f.problem, f.severity, f.addresses])).toEqual([
      ['api.example.com:443', 'inconsistent', 'critical', ['192.0.2.1', '192.0.2.2']],
      ['api.example.com:443', 'expired', 'critical', ['192.0.2.2']],
    ]);
    expect(findings[1]!.detail).toBe('-2 days left, notAfter 2027-01-01T00:00:00.000Z');
  });

  it('says which address serves which certificate, when a certificate starts, and who signed a self-signed one', () => {
    const [inconsistent, early, self] = findingsOf([
      item({ status: 'warn', problems: ['inconsistent'], fingerprint: 'AA:11:22:33:44:55:66:77:88:99' }),
      item({
        address: '192.0.2.2',
        status: 'warn',
        problems: ['inconsistent'],
        fingerprint: 'BB:11:22:33:44:55:66:77',
      }),
      item({ endpoint: 'b:443', status: 'critical', problems: ['not-yet-valid'] }),
      item({ endpoint: 'c:443', status: 'critical', problems: ['self-signed'] }),
    ]);
    expect(inconsistent!.detail).toBe(
      '192.0.2.1 serves AA:11:22:33:44:55:66:77…, 192.0.2.2 serves BB:11:22:33:44:55:66:77…',
    );
    expect(early!.detail).toBe('valid only from 2026-01-01T00:00:00.000Z');
    expect(self!.detail).toBe('CN=api.example.com signs itself');
  });

  it('describes a failed probe by its error and a weak key by its size', () => {
    const [down, weak] = findingsOf([
      item({ status: 'error', address: null, problems: ['dns'], error: 'cannot resolve api.example.com: ENOTFOUND' }),
      item({ endpoint: 'old:443', status: 'warn', problems: ['weak-key'], keyType: 'rsa', keyBits: 1024 }),
    ]);
    expect(down).toMatchObject({ addresses: ['-'], detail: 'cannot resolve api.example.com: ENOTFOUND' });
    expect(weak).toMatchObject({ severity: 'warning', detail: 'rsa 1024 bits' });
  });
});

describe('buildNotification', () => {
  it('names every endpoint in one message under the one incident key of its severity', () => {
    const findings = findingsOf([
      item({ status: 'critical', problems: ['expired'] }),
      item({ endpoint: 'b:443', status: 'critical', problems: ['hostname-mismatch'] }),
    ]);
    const one = buildNotification('critical', findings);
    const other = buildNotification('critical', findings.slice(0, 1));
    expect(one.title).toBe('certExpiry: 2 endpoints critical');
    expect(one.text.split('\n')).toEqual([
      '- api.example.com:443 (192.0.2.1): expired: 200 days left, notAfter 2027-01-01T00:00:00.000Z',
      '- b:443 (192.0.2.1): hostname-mismatch: certificate for DNS:api.example.com',
    ]);
    expect([one.dedupKey, other.dedupKey]).toEqual(['certExpiry:critical', 'certExpiry:critical']);
    expect(claimKey(findings[0]!, '2026-06-01')).toBe(
      'certExpiry:notified:2026-06-01:critical:api.example.com:443:expired',
    );
    // The same finding turned critical the same day is a claim of its own: it is told again.
    const warned = findingsOf([item({ status: 'warn', problems: ['expiring'] })]);
    const critical = findingsOf([item({ status: 'critical', problems: ['expiring'] })]);
    expect(claimKey(warned[0]!, '2026-06-01')).not.toBe(claimKey(critical[0]!, '2026-06-01'));
  });

  it('keeps probe failures in an incident of their own, a warning', () => {
    const findings = findingsOf([item({ status: 'error', address: null, problems: ['dns'], error: 'EAI_AGAIN' })]);
    expect(findings).toMatchObject([{ incident: 'probe', severity: 'warning' }]);
    expect(buildNotification('probe', findings)).toMatchObject({
      severity: 'warning',
      title: 'certExpiry: could not probe 1 endpoint',
      dedupKey: 'certExpiry:probe',
    });
  });
});
