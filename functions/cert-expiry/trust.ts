import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BadInputError } from '../../shared/core/errors/index.js';
import { readDerFacts, readSubjectKey } from './der.js';

/** A certificate parsed once, with the facts every check needs. */
export interface ParsedCert {
  x509: X509Certificate;
  der: Buffer;
  fingerprint: string;
  subject: string;
  issuer: string;
  subjectKey: string;
  issuerKey: string;
  publicKey: string;
  notBefore: Date;
  notAfter: Date;
  signature: string;
  keyType: string | null;
  keyBits: number | null;
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

function keyFacts(x509: X509Certificate): { keyType: string | null; keyBits: number | null } {
  const key = x509.publicKey;
  const keyType = key.asymmetricKeyType ?? null;
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== undefined) return { keyType, keyBits: details.modulusLength };
  if (details.namedCurve !== undefined) return { keyType, keyBits: CURVE_BITS[details.namedCurve] ?? null };
  if (keyType === 'ed25519') return { keyType, keyBits: 256 };
  if (keyType === 'ed448') return { keyType, keyBits: 456 };
  return { keyType, keyBits: null };
}

/** Parses a DER certificate; throws RangeError (or Node's own error) when it is not one. */
export function parseCert(input: Buffer | X509Certificate): ParsedCert {
  const x509 = input instanceof X509Certificate ? input : new X509Certificate(input);
  const der = x509.raw;
  const facts = readDerFacts(der);
  return {
    x509,
    der,
    fingerprint: x509.fingerprint256,
    subject: x509.subject,
    issuer: x509.issuer,
    ...facts,
    ...keyFacts(x509),
  };
}

/** Certificates already parsed in this run, by fingerprint: endpoints share intermediates and often leaves. */
export type ParsedCache = Map<string, ParsedCert>;

/** Parses a presented certificate once per run. */
export function parseCached(cert: Pick<X509Certificate, 'fingerprint256' | 'raw'>, cache: ParsedCache): ParsedCert {
  const fingerprint = cert.fingerprint256;
  let parsed = cache.get(fingerprint);
  if (!parsed) {
    parsed = parseCert(cert instanceof X509Certificate ? cert : cert.raw);
    cache.set(fingerprint, parsed);
  }
  return parsed;
}

interface Root {
  der: Buffer;
  parsed?: ParsedCert;
}

/**
 * Trusted roots indexed by subject name. Roots are parsed only when a chain reaches their name:
 * parsing all ~150 system roots up front would cost more than probing a hundred endpoints.
 */
export interface TrustStore {
  bySubject: Map<string, Root[]>;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64');
}

/** Builds a store from PEM certificates. */
export function buildTrustStore(pems: readonly string[]): TrustStore {
  const store: TrustStore = { bySubject: new Map() };
  for (const pem of pems) {
    const der = pemToDer(pem);
    const key = readSubjectKey(der);
    const same = store.bySubject.get(key);
    if (same) same.push({ der });
    else store.bySubject.set(key, [{ der }]);
  }
  return store;
}

/** A trust store as plain data for another thread: each subject with its roots' DER. */
export type PortableTrustStore = [subject: string, ders: Uint8Array[]][];

/** The store's roots, each copied into its own bytes so only they cross the thread boundary, not Buffer's pool. */
export function exportTrustStore(store: TrustStore): PortableTrustStore {
  return [...store.bySubject].map(([subject, roots]) => [subject, roots.map((root) => new Uint8Array(root.der))]);
}

/** Rebuilds a store sent by {@link exportTrustStore}; roots are parsed on first use, as in the sending thread. */
export function importTrustStore(portable: PortableTrustStore): TrustStore {
  return {
    bySubject: new Map(
      portable.map(([subject, ders]) => [
        subject,
        ders.map((der) => ({ der: Buffer.from(der.buffer, der.byteOffset, der.byteLength) })),
      ]),
    ),
  };
}

/** The trusted roots whose subject is `issuerKey`, parsed on first use. */
export function rootsNamed(store: TrustStore, issuerKey: string): ParsedCert[] {
  const roots = store.bySubject.get(issuerKey) ?? [];
  const parsed: ParsedCert[] = [];
  for (const root of roots) {
    try {
      root.parsed ??= parseCert(root.der);
      parsed.push(root.parsed);
    } catch {
      // A system root this Node cannot parse can anchor nothing; skipping it is what OpenSSL does too.
    }
  }
  return parsed;
}

/** True when `cert` itself is one of the trusted roots (same DER, not merely the same name). */
export function isAnchor(store: TrustStore, cert: ParsedCert): boolean {
  return (store.bySubject.get(cert.subjectKey) ?? []).some((root) => root.der.equals(cert.der));
}

/** Reads the PEM certificates of a CA file; a missing, unreadable or malformed file is bad input. */
export async function readCaFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BadInputError(`certificates.caFile: cannot read "${path}" (${(error as NodeJS.ErrnoException).code})`, {
      cause: error,
    });
  }
  const pems = text.match(PEM_BLOCK) ?? [];
  if (pems.length === 0) throw new BadInputError(`certificates.caFile: "${path}" holds no PEM certificate`);
  for (const [i, pem] of pems.entries()) {
    try {
      parseCert(new X509Certificate(pem));
    } catch (error) {
      throw new BadInputError(`certificates.caFile: certificate #${i + 1} of "${path}" does not parse`, {
        cause: error,
      });
    }
  }
  return pems;
}

/** The system roots plus the PEMs of `caFiles`. */
export async function loadTrustStore(caFiles: readonly string[]): Promise<TrustStore> {
  const extras: string[] = [];
  for (const file of caFiles) extras.push(...(await readCaFile(file)));
  const { rootCertificates } = await import('node:tls');
  return buildTrustStore([...rootCertificates, ...extras]);
}
