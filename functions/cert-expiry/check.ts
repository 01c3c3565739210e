import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { analyzeProbe, errorItem } from './analyze.js';
import type { IssuedCache } from './chain.js';
import { createLimiter } from './pool.js';
import { probeAddress } from './probe.js';
import { type Lookup, ResolveError, resolveAddresses, systemLookup } from './resolve.js';
import { loadTrustStore, type TrustStore } from './trust.js';
import type { CertItem, Target } from './types.js';
import { markInconsistent, type Thresholds } from './verdict.js';

/** How a sweep runs: clock, thresholds, bounds, and the resolver (the system one unless a test hands in its own). */
export interface CheckOptions {
  now: () => Date;
  thresholds: Thresholds;
  timeoutMs: number;
  concurrency: number;
  runTimeoutMs: number;
  lookup?: Lookup;
  signal?: AbortSignal;
  loadTrust?: (caFiles: readonly string[]) => Promise<TrustStore>;
}

interface Trust {
  store: TrustStore;
  context: SecureContext;
}

async function loadTrusts(targets: Target[], options: CheckOptions): Promise<Map<string, Trust>> {
  const load = options.loadTrust ?? loadTrustStore;
  const trusts = new Map<string, Trust>();
  for (const target of targets) {
    const key = target.caFiles.join('\n');
    if (trusts.has(key)) continue;
    const store = await load(target.caFiles);
    // Probes must see whatever is served (TLS 1.0, RSA-1024, SHA-1) to report it, so the floor is lowered here
    // and every judgement is made by the analysis instead of the handshake.
    // Without extra roots Node's cached system store serves; `ca` replaces it, so extras bring the system roots along.
    const ca = store.extraPems.length > 0 ? { ca: [...rootCertificates, ...store.extraPems] } : {};
    const context = createSecureContext({ ...ca, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    trusts.set(key, { store, context });
  }
  return trusts;
}

/** Probes every address of every target within the run's bounds and returns one item per address. */
export async function checkCertificates(targets: Target[], options: CheckOptions): Promise<CertItem[]> {
  const trusts = await loadTrusts(targets, options);
  const now = options.now();
  const deadline = AbortSignal.timeout(options.runTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const limit = createLimiter(options.concurrency);
  const lookup = options.lookup ?? systemLookup;
  const cache: IssuedCache = new Map();
  const late = {
    ok: false as const,
    problem: 'timeout' as const,
    error: 'run deadline reached before the probe started',
  };

  const checkTarget = async (target: Target): Promise<CertItem[]> => {
    const trust = trusts.get(target.caFiles.join('\n'))!;
    let addresses: string[];
    try {
      addresses = await limit(() => {
        if (signal.aborted) throw new ResolveError('run deadline reached before DNS lookup');
        return resolveAddresses(target.address ?? target.host, lookup, options.timeoutMs);
      });
    } catch (error) {
      const problem = signal.aborted ? 'timeout' : 'dns';
      return [errorItem(target, null, { ok: false, problem, error: (error as Error).message })];
    }
    const items = await Promise.all(
      addresses.map((address) =>
        limit(async () => {
          if (signal.aborted) return errorItem(target, address, late);
          const probe = await probeAddress(target, address, {
            timeoutMs: options.timeoutMs,
            secureContext: trust.context,
            signal,
          });
          return analyzeProbe(target, address, probe, {
            now,
            thresholds: options.thresholds,
            store: trust.store,
            cache,
          });
        }),
      ),
    );
    markInconsistent(items);
    return items;
  };

  const perTarget = await Promise.all(targets.map(checkTarget));
  return perTarget.flat();
}
