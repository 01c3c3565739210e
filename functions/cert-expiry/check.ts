import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { errorMessage } from '../../shared/core/errors/index.js';
import { errorItem } from './analyze.js';
import { createSweepState, lateItem, type ProbeJob, runProbeJob, type SweepSettings, trustKey } from './probe-job.js';
import type { SweepPool } from './probe-pool.js';
import { type Lookup, ResolveError, resolveAddresses, systemLookup } from './resolve.js';
import { loadTrustStore, type TrustStore } from './trust.js';
import type { CertItem, Target } from './types.js';
import { markInconsistent, type Thresholds } from './verdict.js';

/** How a sweep runs: clock, thresholds, bounds, and the resolver (the system one unless a test hands in its own). */
export interface CheckOptions {
  now: () => Date;
  thresholds: Thresholds;
  timeoutMs: number;
  /** Probes and lookups in flight at once, across every thread. */
  concurrency: number;
  runTimeoutMs: number;
  lookup?: Lookup;
  signal?: AbortSignal;
  loadTrust?: (caFiles: readonly string[]) => Promise<TrustStore>;
  /** Worker threads to probe on beside the calling thread; 0 probes on it alone. Default: {@link defaultThreads}. */
  threads?: number;
  /** Told each time an endpoint has every address probed, with how many are done of how many. */
  onProbed?: (done: number, total: number) => void;
}

/** A sweep's items, with the worker threads it ran on and why any of them failed. */
export interface Sweep {
  items: CertItem[];
  /** Worker threads that probed beside the calling thread to the end; 0 when it probed alone. */
  threads: number;
  workerErrors: string[];
}

// Starting a worker costs about as much as a few dozen probes; fewer targets than this per thread are probed inline.
const TARGETS_PER_THREAD = 32;

/**
 * Worker threads beside the calling thread, which probes too: one thread per core in all, when there are
 * two cores or more and enough targets to pay for starting them.
 */
export function defaultThreads(targets: number, concurrency: number, cores = availableParallelism()): number {
  const threads = Math.min(cores, concurrency, Math.floor(targets / TARGETS_PER_THREAD));
  return threads >= 2 ? threads - 1 : 0;
}

async function loadTrusts(targets: Target[], options: CheckOptions): Promise<Map<string, TrustStore>> {
  const load = options.loadTrust ?? loadTrustStore;
  const stores = new Map<string, TrustStore>();
  for (const target of targets) {
    const key = trustKey(target);
    if (!stores.has(key)) stores.set(key, await load(target.caFiles));
  }
  return stores;
}

/** Probes every address of every target within the run's bounds and returns one item per address. */
export async function checkCertificates(targets: Target[], options: CheckOptions): Promise<CertItem[]> {
  return (await sweepCertificates(targets, options)).items;
}

/** {@link checkCertificates}, also telling which threads did the probing. */
export async function sweepCertificates(targets: Target[], options: CheckOptions): Promise<Sweep> {
  const stores = await loadTrusts(targets, options);
  const deadline = AbortSignal.timeout(options.runTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const settings: SweepSettings = {
    now: options.now().getTime(),
    thresholds: options.thresholds,
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency,
  };
  const local = createSweepState(settings, stores, signal);
  const inline = (job: ProbeJob) => runProbeJob(job, local);
  const workerErrors: string[] = [];
  const threads = options.threads ?? defaultThreads(targets.length, options.concurrency);
  let pool: SweepPool | undefined;
  if (threads > 0) {
    // Loaded on demand: the pool's module is also each worker's entry, so it stays a file of its own when bundled.
    const { openSweepPool } = await import('./probe-pool.js');
    pool = openSweepPool({
      size: threads,
      settings,
      stores,
      signal,
      inline,
      onWorkerError: (error) => workerErrors.push(error.message),
    });
  }
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

  const checkTarget = async (target: Target): Promise<CertItem[]> => {
    const name = target.address ?? target.host;
    let addresses: string[];
    // The timeout bounds DNS and the probe together, so the lookup's time comes out of each probe's budget.
    let dnsMs = 0;
    try {
      addresses = await limit(async () => {
        if (signal.aborted) throw new ResolveError('run deadline reached before DNS lookup');
        const started = Date.now();
        try {
          return await resolveAddresses(name, lookup, options.timeoutMs, signal);
        } finally {
          if (!isIP(name)) dnsMs = Date.now() - started;
        }
      });
    } catch (error) {
      const problem = signal.aborted ? 'timeout' : 'dns';
      return [errorItem(target, null, { ok: false, problem, error: errorMessage(error) })];
    }
    const items = await Promise.all(
      addresses.map((address) =>
        limit(async () => {
          const job: ProbeJob = { target, address, spentMs: dnsMs };
          if (signal.aborted) return lateItem(job);
          return pool ? pool.run(job) : inline(job);
        }),
      ),
    );
    markInconsistent(items);
    return items;
  };

  try {
    let done = 0;
    const perTarget = await Promise.all(
      targets.map(async (target) => {
        const items = await checkTarget(target);
        options.onProbed?.(++done, targets.length);
        return items;
      }),
    );
    return { items: perTarget.flat(), threads: pool?.threads ?? 0, workerErrors };
  } finally {
    pool?.close();
  }
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
