import { writeGauge } from './gauge.js';
import { type Lookup, systemLookup } from './resolve.js';
import { loadTrustStore, type TrustStore } from './trust.js';

/** What certExpiry talks to besides the probed endpoints; tests hand in their own (a resolver for split-horizon DNS). */
export interface CertExpiryDeps {
  /** Resolves a host to every address it has. */
  lookup: Lookup;
  /** The trust store: the system roots plus the PEM files named. */
  loadTrust(caFiles: readonly string[]): Promise<TrustStore>;
  /** Writes the `days_to_expiry` gauge to Cloud Monitoring; the number of series written. */
  writeGauge: typeof writeGauge;
}

/** Production dependencies, built once per process: the system resolver and trust store, Cloud Monitoring. */
export function defaultCertExpiryDeps(): CertExpiryDeps {
  return { lookup: systemLookup, loadTrust: loadTrustStore, writeGauge };
}
