import { isIP } from 'node:net';
import { buildChain, type IssuedCache } from './chain.js';
import { isWeakSignature } from './der.js';
import { type ParsedCert, parseCert, type TrustStore } from './trust.js';
import type { CertItem, ProbeResult, Target } from './types.js';
import {
  addFinding,
  daysLeft,
  type Findings,
  isOldProtocol,
  isWeakKey,
  judgeChainExpiry,
  judgeLeafExpiry,
  problemList,
  statusOf,
  type Thresholds,
} from './verdict.js';

/** What analysis needs beside the probe: the clock, the thresholds, the roots and the run's signature cache. */
export interface AnalyzeOptions {
  now: Date;
  thresholds: Thresholds;
  store: TrustStore;
  cache: IssuedCache;
}

const CURVE_BITS: Record<string, number> = {
  prime192v1: 192,
  secp192r1: 192,
  secp224r1: 224,
  prime256v1: 256,
  secp256r1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
};

function keyFacts(cert: ParsedCert): { keyType: string | null; keyBits: number | null } {
  const key = cert.x509.publicKey;
  const keyType = key.asymmetricKeyType ?? null;
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== undefined) return { keyType, keyBits: details.modulusLength };
  if (details.namedCurve !== undefined) return { keyType, keyBits: CURVE_BITS[details.namedCurve] ?? null };
  if (keyType === 'ed25519') return { keyType, keyBits: 256 };
  if (keyType === 'ed448') return { keyType, keyBits: 456 };
  return { keyType, keyBits: null };
}

function sansOf(cert: ParsedCert): string[] {
  const text = cert.x509.subjectAltName;
  return text ? text.split(/,\s*/).filter((s) => s !== '') : [];
}

function matchesName(cert: ParsedCert, servername: string): boolean {
  return isIP(servername) ? cert.x509.checkIP(servername) !== undefined : cert.x509.checkHost(servername) !== undefined;
}

/** An item with nothing known but why the probe failed. */
export function errorItem(
  target: Target,
  address: string | null,
  probe: Extract<ProbeResult, { ok: false }>,
): CertItem {
  return {
    ...identity(target, address),
    status: 'error',
    daysLeft: null,
    notAfter: null,
    notBefore: null,
    chainNotAfter: null,
    subject: null,
    issuer: null,
    sans: [],
    keyType: null,
    keyBits: null,
    signature: null,
    protocol: null,
    fingerprint: null,
    trusted: null,
    authorizationError: null,
    problems: [probe.problem],
    error: probe.error,
  };
}

function identity(target: Target, address: string | null) {
  return { endpoint: target.endpoint, host: target.host, port: target.port, address, servername: target.servername };
}

/** Turns what one address presented into its item: leaf facts, the judged chain, and every problem found. */
export function analyzeProbe(target: Target, address: string, probe: ProbeResult, options: AnalyzeOptions): CertItem {
  if (!probe.ok) return errorItem(target, address, probe);
  let presented: ParsedCert[];
  try {
    presented = probe.chain.map((der) => parseCert(der));
  } catch (error) {
    return errorItem(target, address, {
      ok: false,
      problem: 'not-tls',
      error: `presented certificate does not parse: ${(error as Error).message}`,
    });
  }
  const { now, thresholds } = options;
  const chain = buildChain(presented, options.store, now, options.cache);
  const leaf = chain.certs[0]!;
  const above = chain.certs.slice(1);
  const findings: Findings = new Map();
  judgeLeafExpiry(findings, leaf.notBefore, leaf.notAfter, now, thresholds);
  judgeChainExpiry(findings, above, now, thresholds);
  if (!matchesName(leaf, target.servername)) addFinding(findings, 'hostname-mismatch', 'critical');
  if (!chain.trusted) addFinding(findings, 'untrusted', 'critical');
  if (chain.selfSigned) addFinding(findings, 'self-signed', 'critical');
  const key = keyFacts(leaf);
  const weakKey = (c: ParsedCert): boolean => {
    const facts = keyFacts(c);
    return isWeakKey(facts.keyType, facts.keyBits);
  };
  if (chain.certs.some(weakKey)) addFinding(findings, 'weak-key', 'warn');
  // The anchor's self-signature is never checked by clients, so only certificates below it count.
  const signed = chain.trusted ? chain.certs.slice(0, -1) : chain.certs;
  if (signed.some((c) => isWeakSignature(c.signature))) addFinding(findings, 'weak-signature', 'warn');
  if (isOldProtocol(probe.protocol)) addFinding(findings, 'old-protocol', 'warn');
  const chainEnd = above.length > 0 ? Math.min(...above.map((c) => c.notAfter.getTime())) : null;
  return {
    ...identity(target, address),
    status: statusOf(findings),
    daysLeft: daysLeft(leaf.notAfter, now),
    notAfter: leaf.notAfter.toISOString(),
    notBefore: leaf.notBefore.toISOString(),
    chainNotAfter: chainEnd === null ? null : new Date(chainEnd).toISOString(),
    subject: leaf.subject.replaceAll('\n', ', '),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    sans: sansOf(leaf),
    ...key,
    signature: leaf.signature,
    protocol: probe.protocol,
    fingerprint: leaf.fingerprint,
    trusted: chain.trusted,
    authorizationError: probe.authorizationError ?? null,
    problems: problemList(findings),
  };
}
