import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { analyzeProbe, errorItem } from './analyze.js';
import type { IssuedCache } from './chain.js';
import { probeAddress } from './probe.js';
import { type Lookup, ResolveError, resolveAddresses, systemLookup } from './resolve.js';
import { loadTrustStore, type ParsedCache, type TrustStore } from './trust.js';
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

async function loadTrusts(targets: Target[], options: CheckOptions): Promise<Map<string, TrustStore>> {
  const load = options.loadTrust ?? loadTrustStore;
  const stores = new Map<string, TrustStore>();
  for (const target of targets) {
    const key = target.caFiles.join('\n');
    if (!stores.has(key)) stores.set(key, await load(target.caFiles));
  }
  return stores;
}

/** Probes every address of every target within the run's bounds and returns one item per address. */
export async function checkCertificates(targets: Target[], options: CheckOptions): Promise<CertItem[]> {
  const stores = await loadTrusts(targets, options);
  // The context trusts nothing, so OpenSSL's verification always stops early and Node skips building the
  // detailed chain objects it needs only after a successful verification (about 2 ms per handshake); the
  // analysis verifies the chain itself. The floor is lowered so TLS 1.0, RSA-1024 and SHA-1 are seen and
  // reported rather than refused.
  const secureContext = createSecureContext({ ca: [], minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  const now = options.now();
  const deadline = AbortSignal.timeout(options.runTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const limit = createLimiter(options.concurrency);
  const system = options.lookup ?? systemLookup;
  // One answer per name per run: endpoints on several ports of one host see the same addresses.
  const answers = new Map<string, Promise<string[]>>();
  const lookup: Lookup = (host) => {
    let answer = answers.get(host);
    if (!answer) {
      answer = system(host);
      answers.set(host, answer);
    }
    return answer;
  };
  const cache: IssuedCache = new Map();
  const parsed: ParsedCache = new Map();
  // Every running probe listens on the run's signal; that many listeners is by design, not a leak.
  setMaxListeners(options.concurrency + 16, signal);
  const late = {
    ok: false as const,
    problem: 'timeout' as const,
    error: 'run deadline reached before the probe started',
  };

  const checkTarget = async (target: Target): Promise<CertItem[]> => {
    const store = stores.get(target.caFiles.join('\n'))!;
    const name = target.address ?? target.host;
    let addresses: string[];
    // The timeout bounds DNS and the probe together, so the lookup's time comes out of each probe's budget.
    let dnsMs = 0;
    try {
      addresses = await limit(async () => {
        if (signal.aborted) throw new ResolveError('run deadline reached before DNS lookup');
        const started = Date.now();
        try {
          return await resolveAddresses(name, lookup, options.timeoutMs);
        } finally {
          if (!isIP(name)) dnsMs = Date.now() - started;
        }
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
            spentMs: dnsMs,
            secureContext,
            signal,
          });
          return analyzeProbe(target, address, probe, {
            now,
            thresholds: options.thresholds,
            store,
            cache,
            parsed,
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

/** Runs at most `limit` tasks at once; the returned function queues a task and resolves with its result. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
