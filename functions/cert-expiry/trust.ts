import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { BadInputError } from '../../shared/errors/index.js';
import { readDerFacts } from './der.js';

/** A certificate parsed once, with the facts every check needs. */
export interface ParsedCert {
  x509: X509Certificate;
  fingerprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  signature: string;
}

/** Parses a DER certificate; throws RangeError (or Node's own error) when it is not one. */
export function parseCert(input: Buffer | X509Certificate): ParsedCert {
  const x509 = input instanceof X509Certificate ? input : new X509Certificate(input);
  const facts = readDerFacts(x509.raw);
  return { x509, fingerprint: x509.fingerprint256, subject: x509.subject, issuer: x509.issuer, ...facts };
}

/** Trusted roots indexed by subject, so finding an issuer is a map lookup rather than a scan. */
export interface TrustStore {
  pems: string[];
  anchors: Set<string>;
  bySubject: Map<string, ParsedCert[]>;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Builds a store from PEM certificates; an unparsable one throws with `source` named. */
export function buildTrustStore(pems: readonly string[], source = 'system store'): TrustStore {
  const store: TrustStore = { pems: [...pems], anchors: new Set(), bySubject: new Map() };
  for (const pem of pems) {
    let cert: ParsedCert;
    try {
      cert = parseCert(new X509Certificate(pem));
    } catch (error) {
      throw new BadInputError(`${source}: a certificate does not parse (${(error as Error).message})`, {
        cause: error,
      });
    }
    store.anchors.add(cert.fingerprint);
    const same = store.bySubject.get(cert.subject);
    if (same) same.push(cert);
    else store.bySubject.set(cert.subject, [cert]);
  }
  return store;
}

/** Reads the PEM certificates of a CA file; a missing, unreadable or certificate-less file is bad input. */
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
  return pems;
}

/** The system roots plus the PEMs of `caFiles`, one store per distinct set of files. */
export async function loadTrustStore(caFiles: readonly string[]): Promise<TrustStore> {
  const extras: string[] = [];
  for (const file of caFiles) {
    const pems = await readCaFile(file);
    buildTrustStore(pems, `certificates.caFile "${file}"`);
    extras.push(...pems);
  }
  return buildTrustStore([...rootCertificates, ...extras]);
}
