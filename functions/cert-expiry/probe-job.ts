import { setMaxListeners } from 'node:events';
import type { SecureContext } from 'node:tls';
import { analyzeProbe, errorItem } from './analyze.js';
import type { ChainCache, IssuedCache } from './chain.js';
import { probeAddress } from './probe.js';
import { tlsModule } from './tls-module.js';
import type { ParsedCache, TrustStore } from './trust.js';
import type { CertItem, Target } from './types.js';
import type { Thresholds } from './verdict.js';

/** One address of one endpoint to probe and judge; plain data, so it can cross to a worker thread. */
export interface ProbeJob {
  target: Target;
  address: string;
  /** Already spent on the endpoint's DNS lookup, out of the probe's timeout. */
  spentMs: number;
}

/** What every probe of one sweep shares; plain data, sent once to each worker thread. */
export interface SweepSettings {
  /** The sweep's clock reading (epoch ms): every address is judged against the same instant. */
  now: number;
  thresholds: Thresholds;
  timeoutMs: number;
  concurrency: number;
}

/** A thread's state for one sweep: the context to handshake with, the roots, and the run's caches. */
export interface SweepState {
  settings: SweepSettings;
  now: Date;
  secureContext: SecureContext;
  /** Trust stores by `caFiles` key (see {@link trustKey}). */
  stores: Map<string, TrustStore>;
  cache: IssuedCache;
  chains: ChainCache;
  parsed: ParsedCache;
  signal: AbortSignal;
}

/** The key of a target's trust store: targets with the same CA files share one. */
export function trustKey(target: Target): string {
  return target.caFiles.join('\n');
}

/** Builds one thread's state for a sweep. */
export function createSweepState(
  settings: SweepSettings,
  stores: Map<string, TrustStore>,
  signal: AbortSignal,
): SweepState {
  // Every running probe listens on the run's signal; that many listeners is by design, not a leak.
  setMaxListeners(settings.concurrency + 16, signal);
  return {
    settings,
    now: new Date(settings.now),
    // The context trusts nothing, so OpenSSL's verification always stops early and Node skips building the
    // detailed chain objects it needs only after a successful verification (about 2 ms per handshake); the
    // analysis verifies the chain itself. The floor is lowered so TLS 1.0, RSA-1024 and SHA-1 are seen and
    // reported rather than refused.
    secureContext: tlsModule().createSecureContext({ ca: [], minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    stores,
    cache: new Map(),
    chains: new WeakMap(),
    parsed: new Map(),
    signal,
  };
}

const LATE = {
  ok: false as const,
  problem: 'timeout' as const,
  error: 'run deadline reached before the probe started',
};

/** The item of a job the run's deadline overtook before it started. */
export function lateItem(job: ProbeJob): CertItem {
  return errorItem(job.target, job.address, LATE);
}

/** Probes one address and judges what it presented; never throws for anything the server does. */
export async function runProbeJob(job: ProbeJob, state: SweepState): Promise<CertItem> {
  if (state.signal.aborted) return lateItem(job);
  const { target, address } = job;
  const probe = await probeAddress(target, address, {
    timeoutMs: state.settings.timeoutMs,
    spentMs: job.spentMs,
    secureContext: state.secureContext,
    signal: state.signal,
  });
  return analyzeProbe(target, address, probe, {
    now: state.now,
    thresholds: state.settings.thresholds,
    store: state.stores.get(trustKey(target))!,
    cache: state.cache,
    chains: state.chains,
    parsed: state.parsed,
  });
}
