import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWeakSignature, readDerFacts, readSubjectKey } from '../../../functions/cert-expiry/der.js';

const dir = mkdtempSync(join(tmpdir(), 'opsfn-der-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function selfSigned(name: string, args: string[]): X509Certificate {
  const out = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-days',
      '30',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      out,
      ...args,
    ],
    {
      stdio: 'ignore',
    },
  );
  return new X509Certificate(readFileSync(out));
}

describe('readDerFacts', () => {
  it.each([
    ['rsa-sha256', ['-newkey', 'rsa:2048', '-sha256'], 'sha256WithRSAEncryption'],
    ['rsa-sha1', ['-newkey', 'rsa:2048', '-sha1'], 'sha1WithRSAEncryption'],
    ['ec-sha384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha384'], 'ecdsa-with-SHA384'],
    ['ed25519', ['-newkey', 'ed25519'], 'ED25519'],
    ['pss', ['-newkey', 'rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss'], 'rsassaPss-SHA256'],
  ])('reads the signature algorithm of %s', (name, args, signature) => {
    const cert = selfSigned(name, args);
    const facts = readDerFacts(cert.raw);
    expect(facts.signature).toBe(signature);
    expect(facts.notAfter.getTime()).toBe(new Date(cert.validTo).getTime());
    expect(facts.notBefore.getTime()).toBe(new Date(cert.validFrom).getTime());
    expect(facts.subjectKey).toBe(facts.issuerKey);
    expect(readSubjectKey(cert.raw)).toBe(facts.subjectKey);
    // The contents of the SubjectPublicKeyInfo, without its tag and length (as for the names).
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki.endsWith(facts.publicKey)).toBe(true);
    expect(spki.length - facts.publicKey.length).toBeLessThanOrEqual(8);
  });

  it('rejects bytes that are not a certificate', () => {
    expect(() => readDerFacts(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(RangeError);
    expect(() => readDerFacts(Buffer.from([0x30, 0x82, 0xff]))).toThrow(RangeError);
  });
});

describe('isWeakSignature', () => {
  it.each([
    ['sha1WithRSAEncryption', true],
    ['md5WithRSAEncryption', true],
    ['ecdsa-with-SHA1', true],
    ['rsassaPss-SHA1', true],
    ['sha256WithRSAEncryption', false],
    ['ecdsa-with-SHA512', false],
    ['ED25519', false],
  ])('calls %s weak: %s', (name, weak) => {
    expect(isWeakSignature(name)).toBe(weak);
  });
});
