import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ProbeJob, SweepSettings } from './probe-job.js';
import { batcher, type Reply, type Request, serveProbes } from './probe-worker.js';
import { exportTrustStore, type PortableTrustStore, type TrustStore } from './trust.js';
import type { CertItem } from './types.js';

// Worker threads that probe and judge addresses, so a sweep uses every core: TLS handshakes and certificate
// parsing run on the thread that owns the socket. A worker is this very module started again with
// `workerData.role` set, so it works unchanged from the sources, the compiled output and the bundle (where
// this module is a chunk of its own, loaded by `import()`). Workers outlive a sweep for a while, unreferenced,
// so the next sweep does not pay for starting them; each sweep's state lives in them only while it runs.

const ROLE = 'opsfn-cert-expiry-probe';
const IDLE_MS = 60_000;

/** One sweep's use of the workers: its size, its settings, and what to do with jobs of a worker that failed. */
export interface SweepPoolOptions {
  size: number;
  settings: SweepSettings;
  stores: Map<string, TrustStore>;
  signal: AbortSignal;
  /** Runs a job on the calling thread: the jobs of a worker that failed, or every job when none is left. */
  inline: (job: ProbeJob) => Promise<CertItem>;
  onWorkerError: (error: Error) => void;
  /** How long idle workers are kept for the next sweep. */
  idleMs?: number;
}

/** The workers serving one sweep. */
export interface SweepPool {
  /** Workers of this sweep still serving (a failed one is retired and its jobs run inline). */
  readonly threads: number;
  run(job: ProbeJob): Promise<CertItem>;
  close(): void;
}

interface Pending {
  job: ProbeJob;
  owner: SweepPoolOptions;
  resolve: (item: CertItem) => void;
  reject: (error: Error) => void;
}

interface Lane {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
  send: (request: Request) => void;
}

const lanes: Lane[] = [];
let openSweeps = 0;
let nextId = 0;
let idleTimer: NodeJS.Timeout | undefined;

function spawnWorker(): Worker {
  const self = new URL(import.meta.url);
  const workerData = { role: ROLE };
  if (!self.pathname.endsWith('.ts')) return new Worker(self, { workerData });
  // Sources run through tsx (tests, benches); a worker thread does not inherit the loader, so it registers it.
  const manifest = createRequire(self).resolve('tsx/package.json');
  const api = pathToFileURL(manifest.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

function retire(lane: Lane, error: Error): void {
  if (!lane.alive) return;
  lane.alive = false;
  lanes.splice(lanes.indexOf(lane), 1);
  const owners = new Set<SweepPoolOptions>();
  for (const { job, owner, resolve, reject } of lane.pending.values()) {
    owners.add(owner);
    owner.inline(job).then(resolve, reject);
  }
  for (const owner of owners) owner.onWorkerError(error);
  lane.pending.clear();
  void lane.worker.terminate();
}

function addLane(): Lane {
  const worker = spawnWorker();
  const lane: Lane = {
    worker,
    pending: new Map(),
    alive: true,
    send: batcher((batch) => {
      if (lane.alive) worker.postMessage(batch);
    }),
  };
  worker.on('message', (replies: Reply[]) => {
    for (const reply of replies) {
      const waiting = lane.pending.get(reply.id);
      if (!waiting) continue;
      lane.pending.delete(reply.id);
      if ('item' in reply) waiting.resolve(reply.item);
      else waiting.reject(new Error(reply.error));
    }
  });
  lane.worker.once('error', (error) => retire(lane, error));
  lane.worker.once('exit', (code) => retire(lane, new Error(`probe worker thread exited with code ${code}`)));
  lanes.push(lane);
  return lane;
}

/** Stops every worker now; the probes they were running are run again on the calling thread. */
export function stopProbeWorkers(): void {
  clearTimeout(idleTimer);
  for (const lane of [...lanes]) retire(lane, new Error('probe worker threads stopped'));
}

/** Opens a sweep on `size` workers, starting those not already running; jobs go to the least busy one. */
export function openSweepPool(options: SweepPoolOptions): SweepPool {
  clearTimeout(idleTimer);
  const startErrors: Error[] = [];
  while (lanes.length < options.size && startErrors.length === 0) {
    try {
      addLane();
    } catch (error) {
      startErrors.push(error as Error);
    }
  }
  for (const error of startErrors) options.onWorkerError(error);
  const mine = lanes.slice(0, options.size);
  const sweep = nextId++;
  let inlineActive = 0;
  const stores = [...options.stores].map(([key, store]): [string, PortableTrustStore] => [
    key,
    exportTrustStore(store),
  ]);
  openSweeps++;
  for (const lane of mine) {
    lane.worker.ref();
    lane.send({ open: sweep, settings: options.settings, stores });
  }
  const onAbort = (): void => {
    for (const lane of mine) if (lane.alive) lane.send({ abort: sweep });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  return {
    get threads() {
      return mine.filter((lane) => lane.alive).length;
    },
    run(job) {
      // The calling thread probes too: it is a lane like the others, and its jobs cost no message.
      let best: Lane | undefined;
      let fewest = inlineActive;
      for (const lane of mine) {
        if (lane.alive && lane.pending.size < fewest) {
          best = lane;
          fewest = lane.pending.size;
        }
      }
      const lane = best;
      if (!lane) {
        inlineActive++;
        return options.inline(job).finally(() => {
          inlineActive--;
        });
      }
      return new Promise<CertItem>((resolve, reject) => {
        const id = nextId++;
        lane.pending.set(id, { job, owner: options, resolve, reject });
        lane.send({ run: sweep, id, job });
      });
    },
    close() {
      options.signal.removeEventListener('abort', onAbort);
      for (const lane of mine) if (lane.alive) lane.send({ close: sweep });
      if (--openSweeps > 0) return;
      // Idle workers must not keep the process alive; they are stopped if no sweep comes soon.
      for (const lane of lanes) lane.worker.unref();
      idleTimer = setTimeout(stopProbeWorkers, options.idleMs ?? IDLE_MS).unref();
    },
  };
}

/** Worker threads running now, busy or idle. */
export function probeWorkerCount(): number {
  return lanes.length;
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) serveProbes(parentPort);
