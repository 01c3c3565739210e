import { isIP } from 'node:net';
import { errorMessage } from '../../shared/core/errors/index.js';
import { buildChainOnce, type ChainCache, type IssuedCache } from './chain.js';
import { isWeakSignature } from './der.js';
import { type ParsedCache, type ParsedCert, parseCached, type TrustStore } from './trust.js';
import type { CertItem, ProbeFailure, ProbeResult, Target } from './types.js';
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

/** What analysis needs beside the probe: the clock, the thresholds, the roots and the run's caches. */
export interface AnalyzeOptions {
  now: Date;
  thresholds: Thresholds;
  store: TrustStore;
  cache: IssuedCache;
  chains: ChainCache;
  parsed: ParsedCache;
}

function sansOf(cert: ParsedCert): string[] {
  const text = cert.x509.subjectAltName;
  return text ? text.split(/,\s*/).filter((s) => s !== '') : [];
}

// Names only from subjectAltName, never the subject's CN: browsers, Go (1.15+) and Python refuse a certificate
// that names its host only there (RFC 6125 §6.4.4 lets a client that finds DNS-IDs ignore the CN).
function matchesName(cert: ParsedCert, servername: string): boolean {
  return isIP(servername)
    ? cert.x509.checkIP(servername) !== undefined
    : // No partial wildcards (`w*.example.com`): RFC 6125 §6.4.3 leaves them to the client, and browsers and Go
      // refuse them, so a certificate that needs one fails its strict clients.
      cert.x509.checkHost(servername, { subject: 'never', partialWildcards: false }) !== undefined;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Whether the leaf may serve TLS: no extended key usage, or one naming serverAuth (or any), as OpenSSL checks. */
function servesTls(cert: ParsedCert): boolean {
  const usages = cert.x509.keyUsage;
  return usages === undefined || usages.includes(SERVER_AUTH) || usages.includes(ANY_EXTENDED_KEY_USAGE);
}

/** An item with nothing known but why the probe failed, or why there was none (`not-probed`). */
export function errorItem(
  target: Pick<Target, 'endpoint' | 'host' | 'port' | 'servername'>,
  address: string | null,
  probe: { ok?: false; problem: ProbeFailure | 'not-probed'; error: string },
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

function identity(target: Pick<Target, 'endpoint' | 'host' | 'port' | 'servername'>, address: string | null) {
  return { endpoint: target.endpoint, host: target.host, port: target.port, address, servername: target.servername };
}

/** Turns what one address presented into its item: leaf facts, the judged chain, and every problem found. */
export function analyzeProbe(target: Target, address: string, probe: ProbeResult, options: AnalyzeOptions): CertItem {
  if (!probe.ok) return errorItem(target, address, probe);
  let presented: ParsedCert[];
  try {
    presented = probe.chain.map((cert) => parseCached(cert, options.parsed));
  } catch (error) {
    return errorItem(target, address, {
      ok: false,
      problem: 'not-tls',
      error: `presented certificate does not parse: ${errorMessage(error)}`,
    });
  }
  const { now, thresholds } = options;
  const chain = buildChainOnce(presented, options.store, now, options);
  const leaf = chain.certs[0]!;
  const above = chain.certs.slice(1);
  const findings: Findings = new Map();
  judgeLeafExpiry(findings, leaf.notBefore, leaf.notAfter, now, thresholds);
  judgeChainExpiry(findings, above, now, thresholds);
  if (!matchesName(leaf, target.servername)) addFinding(findings, 'hostname-mismatch', 'critical');
  // The leaf and every CA between it and the anchor must allow serverAuth where they name usages at all: OpenSSL
  // (X509_verify_cert's purpose check) and Node refuse an intermediate limited to, say, clientAuth.
  const between = chain.trusted ? above.slice(0, -1) : above;
  const purpose = servesTls(leaf) && between.every(servesTls) ? undefined : 'INVALID_PURPOSE';
  if (!chain.trusted || purpose) addFinding(findings, 'untrusted', 'critical');
  if (chain.selfSigned) addFinding(findings, 'self-signed', 'critical');
  if (chain.certs.some((c) => isWeakKey(c.keyType, c.keyBits))) addFinding(findings, 'weak-key', 'warn');
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
    keyType: leaf.keyType,
    keyBits: leaf.keyBits,
    signature: leaf.signature,
    protocol: probe.protocol,
    fingerprint: leaf.fingerprint,
    trusted: chain.trusted,
    authorizationError: verificationError(chain.error ?? purpose, findings),
    problems: problemList(findings),
  };
}

/** The first reason a strict client would refuse the connection, as Node names it; null when it would not. */
function verificationError(chainError: string | undefined, findings: Findings): string | null {
  if (chainError) return chainError;
  if (findings.has('expired')) return 'CERT_HAS_EXPIRED';
  if (findings.has('not-yet-valid')) return 'CERT_NOT_YET_VALID';
  if (findings.has('hostname-mismatch')) return 'ERR_TLS_CERT_ALTNAME_INVALID';
  return null;
}
