import { describe, expect, it } from 'vitest';
import { CertificatesSchema, parseEndpointString } from '../../../functions/cert-expiry/config.js';
import { selectTargets, targetsOf } from '../../../functions/cert-expiry/targets.js';
import { EstateSchema } from '../../../functions/estate.js';

describe('CertificatesSchema', () => {
  it('fills every default', () => {
    expect(CertificatesSchema.parse(undefined)).toEqual({
      endpoints: [],
      warnDays: 30,
      criticalDays: 7,
      timeout: 5_000,
      concurrency: 64,
      runTimeout: 240_000,
    });
  });

  it('turns strings and objects into full endpoints', () => {
    const section = CertificatesSchema.parse({
      endpoints: [
        'api.example.com:8443',
        'example.org',
        '[::1]:993',
        { host: 'db.example.com', port: 5432, protocol: 'postgres', address: '10.0.0.5', servername: 'db.internal' },
      ],
    });
    expect(section.endpoints).toEqual([
      { host: 'api.example.com', port: 8443, protocol: 'tls' },
      { host: 'example.org', port: 443, protocol: 'tls' },
      { host: '::1', port: 993, protocol: 'tls' },
      { host: 'db.example.com', port: 5432, protocol: 'postgres', address: '10.0.0.5', servername: 'db.internal' },
    ]);
    expect(targetsOf({ ...section, caFile: '/etc/ca.pem' }).map((t) => [t.endpoint, t.servername, t.caFiles])).toEqual([
      ['api.example.com:8443', 'api.example.com', ['/etc/ca.pem']],
      ['example.org:443', 'example.org', ['/etc/ca.pem']],
      ['[::1]:993', '::1', ['/etc/ca.pem']],
      ['db.example.com:5432', 'db.internal', ['/etc/ca.pem']],
    ]);
  });

  it.each([
    [{ endpoints: ['api.example.com:99999'] }, 'certificates.endpoints.0', /expected "host:port"/],
    [{ endpoints: ['bad host:443'] }, 'certificates.endpoints.0', /expected "host:port"/],
    [
      { endpoints: [{ host: 'a.example', protocol: 'imap' }] },
      'certificates.endpoints.0',
      /tls, smtp, postgres, mysql/,
    ],
    [{ endpoints: [{ host: 'a.example', port: 0 }] }, 'certificates.endpoints.0.port', /port number/],
    [{ timeout: 'soon' }, 'certificates.timeout', /expected duration/],
    [{ concurrency: 0 }, 'certificates.concurrency', /at least 1/],
    [{ warnDays: 5, criticalDays: 10 }, 'certificates.criticalDays', /criticalDays <= warnDays/],
    [{ warnDay: 5 }, 'certificates', /warnDay/],
  ])('rejects %j naming %s', (certificates, path, message) => {
    const result = EstateSchema.safeParse({ certificates });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.').startsWith(path));
    expect(issue?.message ?? JSON.stringify(result.error!.issues)).toMatch(message);
  });

  it.each([
    ['host', { host: 'host', port: 443 }],
    ['10.0.0.1:25', { host: '10.0.0.1', port: 25 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 443 }],
    ['[2001:db8::1]:8443', { host: '2001:db8::1', port: 8443 }],
    ['::1', { host: '::1', port: 443 }],
    ['api.example.com:8443', { host: 'api.example.com', port: 8443 }],
    ['api.example.com:99999', undefined],
    ['a:b:c', undefined],
    ['', undefined],
  ])('parses %j', (text, expected) => {
    expect(parseEndpointString(text)).toEqual(expected);
  });
});

describe('targetsOf', () => {
  it('sends and checks a fully qualified name without its trailing dot', () => {
    const [target] = targetsOf(CertificatesSchema.parse({ endpoints: ['api.example.com.:443'] }));
    expect(target).toMatchObject({ host: 'api.example.com.', servername: 'api.example.com' });
  });
});

describe('selectTargets', () => {
  const targets = targetsOf(
    CertificatesSchema.parse({
      endpoints: ['a.example:443', { host: 'b.example', port: 8443, servername: 'b.internal' }],
    }),
  );

  it('keeps the named endpoints by host:port, host or servername', () => {
    expect(selectTargets(targets, ['a.example:443']).map((t) => t.host)).toEqual(['a.example']);
    expect(selectTargets(targets, ['b.internal']).map((t) => t.host)).toEqual(['b.example']);
    expect(selectTargets(targets, undefined)).toHaveLength(2);
  });

  it('refuses a name that matches nothing', () => {
    expect(() => selectTargets(targets, ['a.example', 'c.example'])).toThrow(
      /not in certificates\.endpoints: c\.example/,
    );
  });
});
