import { isAnchor, type ParsedCert, rootsNamed, type TrustStore } from './trust.js';

/** The chain that was judged: leaf first, trust anchor last when one was reached. */
export interface ChainPath {
  certs: ParsedCert[];
  /** A path to a trusted root exists whose every certificate is valid now. */
  trusted: boolean;
  /** The leaf signs itself (and is not itself a trusted root). */
  selfSigned: boolean;
  /** Why the chain does not verify, in the error codes Node reports as `authorizationError`. */
  error?: string;
}

/** Signature checks already done in this run, keyed `child>parent`: chains share intermediates. */
export type IssuedCache = Map<string, boolean>;

/** Chains already judged in this run, per trust store and presented certificates, leaf first. */
export type ChainCache = WeakMap<TrustStore, Map<string, ChainPath>>;

const MAX_DEPTH = 8;
const MAX_PATHS = 32;
/**
 * Paths tried per chain, whether or not they reach a root. With the loop rule below a presented chain of 16
 * certificates cannot come near it; it bounds what a hostile one costs all the same, since a chain is judged
 * on the thread that probes and nothing else runs on it meanwhile (timers, the run's deadline).
 */
export const MAX_STEPS = 2_048;

function issued(child: ParsedCert, parent: ParsedCert, cache: IssuedCache): boolean {
  const key = `${child.fingerprint}>${parent.fingerprint}`;
  let answer = cache.get(key);
  if (answer === undefined) {
    try {
      answer =
        child.issuer === parent.subject &&
        child.x509.checkIssued(parent.x509) &&
        child.x509.verify(parent.x509.publicKey);
    } catch {
      answer = false;
    }
    cache.set(key, answer);
  }
  return answer;
}

// Self-signed leaves rarely carry keyCertSign, which checkIssued demands, so only name and signature count.
function signsItself(cert: ParsedCert): boolean {
  try {
    return cert.subjectKey === cert.issuerKey && cert.x509.verify(cert.x509.publicKey);
  } catch {
    return false;
  }
}

function timeValid(cert: ParsedCert, now: Date): boolean {
  return cert.notBefore <= now && now <= cert.notAfter;
}

function earliestEnd(path: ParsedCert[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const cert of path.slice(1)) min = Math.min(min, cert.notAfter.getTime());
  return min;
}

// A path holds no certificate twice, nor two with one subject and key (RFC 4158 §5.2: that is a loop, however
// many copies were issued): certificates sharing a name and key would otherwise each issue every other.
function inPath(path: ParsedCert[], candidate: ParsedCert): boolean {
  return path.some(
    (c) =>
      c.fingerprint === candidate.fingerprint ||
      (c.subjectKey === candidate.subjectKey && c.publicKey === candidate.publicKey),
  );
}

/**
 * Finds every path from the leaf to a trusted root through the presented certificates and the store,
 * then judges the one that verifies now and lasts longest, so an unneeded expired cross-sign is ignored.
 * Gives up after `maxSteps` paths tried, judging what it found by then.
 */
export function buildChain(
  presented: ParsedCert[],
  store: TrustStore,
  now: Date,
  cache: IssuedCache,
  maxSteps = MAX_STEPS,
): ChainPath {
  const [leaf, ...rest] = presented;
  if (!leaf) throw new RangeError('no certificate presented');
  const complete: ParsedCert[][] = [];
  let longest: ParsedCert[] = [leaf];
  let steps = 0;

  const extend = (path: ParsedCert[]): void => {
    if (complete.length >= MAX_PATHS || ++steps > maxSteps) return;
    const tip = path[path.length - 1]!;
    if (isAnchor(store, tip)) {
      complete.push(path);
      return;
    }
    if (path.length > longest.length) longest = path;
    if (path.length >= MAX_DEPTH) return;
    const candidates = [...rest, ...rootsNamed(store, tip.issuerKey)];
    for (const candidate of candidates) {
      if (inPath(path, candidate)) continue;
      // Only a CA issues (basicConstraints CA:TRUE), as OpenSSL's path check demands; a trusted root counts as
      // one whatever it says (old v1 roots carry no extensions).
      if (!candidate.x509.ca && !isAnchor(store, candidate)) continue;
      if (issued(tip, candidate, cache)) extend([...path, candidate]);
    }
  };
  extend([leaf]);

  const selfSigned = !isAnchor(store, leaf) && signsItself(leaf);
  if (complete.length === 0)
    return { certs: longest, trusted: false, selfSigned, error: unreachableRoot(longest, selfSigned) };
  const valid = complete.filter((path) => path.slice(1).every((cert) => timeValid(cert, now)));
  const pool = valid.length > 0 ? valid : complete;
  const best = pool.reduce((a, b) => (earliestEnd(b) > earliestEnd(a) ? b : a));
  if (valid.length > 0) return { certs: best, trusted: true, selfSigned };
  const early = best.slice(1).some((cert) => now < cert.notBefore);
  return { certs: best, trusted: false, selfSigned, error: early ? 'CERT_NOT_YET_VALID' : 'CERT_HAS_EXPIRED' };
}

/**
 * {@link buildChain} once per run for each chain presented: the addresses of one name, and endpoints behind
 * one wildcard or load balancer, present the same certificates.
 */
export function buildChainOnce(
  presented: ParsedCert[],
  store: TrustStore,
  now: Date,
  caches: { cache: IssuedCache; chains: ChainCache },
): ChainPath {
  let judged = caches.chains.get(store);
  if (!judged) {
    judged = new Map();
    caches.chains.set(store, judged);
  }
  const key = presented.map((cert) => cert.fingerprint).join(',');
  let chain = judged.get(key);
  if (!chain) {
    chain = buildChain(presented, store, now, caches.cache);
    judged.set(key, chain);
  }
  return chain;
}

function unreachableRoot(path: ParsedCert[], selfSigned: boolean): string {
  if (selfSigned) return 'DEPTH_ZERO_SELF_SIGNED_CERT';
  if (path.length > 1 && signsItself(path[path.length - 1]!)) return 'SELF_SIGNED_CERT_IN_CHAIN';
  return path.length === 1 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
}
