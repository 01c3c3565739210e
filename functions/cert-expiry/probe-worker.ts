import type { MessagePort } from 'node:worker_threads';
import { errorMessage } from '../../shared/core/errors/index.js';
import { createSweepState, type ProbeJob, runProbeJob, type SweepSettings, type SweepState } from './probe-job.js';
import { importTrustStore, type PortableTrustStore } from './trust.js';
import type { CertItem } from './types.js';

// The messages between the calling thread and a probe worker, and the worker's side of them.

/** What the calling thread asks of a worker, in order: open a sweep, run its jobs, abort or close it. */
export type Request =
  | { open: number; settings: SweepSettings; stores: [key: string, store: PortableTrustStore][] }
  | { run: number; id: number; job: ProbeJob }
  | { abort: number }
  | { close: number };
/** A worker's answer to one job. */
export type Reply = { id: number; item: CertItem } | { id: number; error: string };

/**
 * Queues messages and posts them as one array per turn of the event loop: a message costs about as much
 * to post as a small probe's analysis, and finished probes free several slots at once.
 */
export function batcher<T>(post: (batch: T[]) => void): (message: T) => void {
  let queue: T[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    post(batch);
  };
  return (message) => {
    if (queue.push(message) === 1) setImmediate(flush);
  };
}

/** The worker side: each open sweep's state, a probe per request, the run's deadline relayed as an abort. */
export function serveProbes(port: MessagePort): void {
  const sweeps = new Map<number, { state: SweepState; controller: AbortController }>();
  const reply = batcher<Reply>((batch) => port.postMessage(batch));
  const handle = (request: Request): void => {
    if ('open' in request) {
      const controller = new AbortController();
      const stores = new Map(request.stores.map(([key, store]) => [key, importTrustStore(store)]));
      sweeps.set(request.open, { state: createSweepState(request.settings, stores, controller.signal), controller });
    } else if ('abort' in request) {
      sweeps.get(request.abort)?.controller.abort();
    } else if ('close' in request) {
      // Nothing is left running after a sweep that ended normally; after one that failed, its probes stop here.
      sweeps.get(request.close)?.controller.abort();
      sweeps.delete(request.close);
    } else {
      const sweep = sweeps.get(request.run);
      const work = sweep ? runProbeJob(request.job, sweep.state) : Promise.reject(new Error('sweep not open'));
      work.then(
        (item) => reply({ id: request.id, item }),
        (error: unknown) => reply({ id: request.id, error: errorMessage(error) }),
      );
    }
  };
  port.on('message', (requests: Request[]) => {
    for (const request of requests) handle(request);
  });
}
