/**
 * Just enough DER to read what Node 20's X509Certificate does not expose: the signature algorithm
 * and the validity dates (validFromDate/validToDate only arrived in Node 22).
 */
interface Node {
  tag: number;
  start: number;
  end: number;
}

function readNode(buf: Buffer, offset: number): Node {
  const tag = buf[offset];
  let len = buf[offset + 1];
  if (tag === undefined || len === undefined) throw new RangeError('truncated DER');
  let start = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += count;
  }
  const end = start + len;
  if (end > buf.length) throw new RangeError('truncated DER');
  return { tag, start, end };
}

function children(buf: Buffer, parent: Node): Node[] {
  const out: Node[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readNode(buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

function readOid(buf: Buffer, node: Node): string {
  const bytes = buf.subarray(node.start, node.end);
  const first = bytes[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function readTime(buf: Buffer, node: Node): Date {
  const text = buf.toString('latin1', node.start, node.end);
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new RangeError(`unsupported certificate time "${text}"`);
  let year = Number(m[1]);
  if (node.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

const SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA1',
  '2.16.840.1.101.3.4.2.1': 'SHA256',
  '2.16.840.1.101.3.4.2.2': 'SHA384',
  '2.16.840.1.101.3.4.2.3': 'SHA512',
};
const PSS = '1.2.840.113549.1.1.10';

/** What the DER of a certificate says beyond Node's accessors. */
export interface DerFacts {
  signature: string;
  /** The issuer and subject names as hex of their DER, compared the way chain building matches names. */
  issuerKey: string;
  subjectKey: string;
  /** The subject public key info as hex of its DER contents: with `subjectKey`, who a certificate says it is. */
  publicKey: string;
  notBefore: Date;
  notAfter: Date;
}

/** Reads the outer signature algorithm and the validity of a DER certificate; throws RangeError when malformed. */
export function readDerFacts(der: Buffer): DerFacts {
  const [tbs, sigAlg] = children(der, readNode(der, 0));
  if (!tbs || !sigAlg) throw new RangeError('not a certificate');
  const tbsFields = children(der, tbs);
  const skip = tbsFields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = tbsFields[skip + 2];
  const validity = tbsFields[skip + 3];
  const subject = tbsFields[skip + 4];
  const spki = tbsFields[skip + 5];
  if (!issuer || !validity || !subject || !spki) {
    throw new RangeError('certificate without issuer, validity, subject or public key');
  }
  const [from, to] = children(der, validity);
  if (!from || !to) throw new RangeError('certificate without validity');
  return {
    signature: signatureName(der, sigAlg),
    issuerKey: der.toString('hex', issuer.start, issuer.end),
    subjectKey: der.toString('hex', subject.start, subject.end),
    publicKey: der.toString('hex', spki.start, spki.end),
    notBefore: readTime(der, from),
    notAfter: readTime(der, to),
  };
}

/** The subject name of a DER certificate as hex, without parsing anything else. */
export function readSubjectKey(der: Buffer): string {
  const [tbs] = children(der, readNode(der, 0));
  if (!tbs) throw new RangeError('not a certificate');
  const fields = children(der, tbs);
  const subject = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 4];
  if (!subject) throw new RangeError('certificate without subject');
  return der.toString('hex', subject.start, subject.end);
}

function signatureName(der: Buffer, sigAlg: Node): string {
  const [oidNode, params] = children(der, sigAlg);
  if (!oidNode) throw new RangeError('signature algorithm without OID');
  const oid = readOid(der, oidNode);
  if (oid !== PSS) return SIGNATURES[oid] ?? oid;
  // RFC 4055: an absent hashAlgorithm in RSASSA-PSS params means SHA-1.
  const hashField = params && params.tag === 0x30 ? children(der, params).find((n) => n.tag === 0xa0) : undefined;
  const hashAlg = hashField ? children(der, hashField)[0] : undefined;
  const hashOid = hashAlg ? children(der, hashAlg)[0] : undefined;
  const hash = hashOid ? (HASHES[readOid(der, hashOid)] ?? readOid(der, hashOid)) : 'SHA1';
  return `rsassaPss-${hash}`;
}

/** True for signatures whose hash is broken for certificates (MD2, MD5, SHA-1). */
export function isWeakSignature(name: string): boolean {
  return /md2|md5|sha-?1(?!\d)/i.test(name);
}
