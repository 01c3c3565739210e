import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from '../../../../shared/host/console/index.js';

describe('the client address of a request', () => {
  const ingress = trustedProxies(['10.0.0.0/8', 'fd00::/8', '127.0.0.1']);

  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('10.1.2.3', '203.0.113.5', undefined)).toBe('10.1.2.3');
    expect(clientAddress(undefined, '203.0.113.5', undefined)).toBe('unknown');
  });

  it('is the socket address when the socket is not a trusted proxy: anyone can write the header', () => {
    expect(clientAddress('198.51.100.9', '203.0.113.5', ingress)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:198.51.100.9', '203.0.113.5', ingress)).toBe('::ffff:198.51.100.9');
  });

  it('is the nearest forwarded address that is not a proxy, read from the right', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.5', ingress)).toBe('203.0.113.5');
    // A dual-stack socket gives an IPv4 proxy as ::ffff:…; a chain of two proxies; forged entries to the left.
    expect(clientAddress('::ffff:10.0.0.2', '1.1.1.1, 203.0.113.5, 10.9.9.9', ingress)).toBe('203.0.113.5');
    expect(clientAddress('fd00::1', '2001:db8::7', ingress)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '[2001:db8::7]:51234', ingress)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '203.0.113.5:443', ingress)).toBe('203.0.113.5');
  });

  it('stops at the last proxy when an entry is not an address, or when every entry is a proxy', () => {
    // Otherwise each forged value would be a fresh client to count sign-in refusals under.
    expect(clientAddress('10.0.0.2', 'not-an-ip', ingress)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', 'x, 10.0.0.3', ingress)).toBe('10.0.0.3');
    expect(clientAddress('10.0.0.2', '10.0.0.3', ingress)).toBe('10.0.0.3');
    expect(clientAddress('10.0.0.2', '', ingress)).toBe('10.0.0.2');
  });

  it('refuses a proxy that is neither an address nor a CIDR range, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'proxy.internal', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/x']) {
      expect(() => trustedProxies([bad]), bad).toThrow(
        `--trusted-proxy ${bad}: expected an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8`,
      );
    }
  });
});
