import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EstateInput, EstateSchema } from '../../../functions/estate.js';
import { defaultHealthSweepDeps, type HealthSweepDeps } from '../../../functions/health-sweep/deps.js';
import { createHealthSweep } from '../../../functions/health-sweep/handler.js';
import type { SweepItem } from '../../../functions/health-sweep/sweep-types.js';
import type { Trigger } from '../../../shared/core/events/trigger.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { MemoryStateStore } from '../../../shared/core/state/memory.js';
import { runFunction } from '../../../shared/host/runtime/invoke.js';
import { recordingNotifier } from '../../support/recording-notifier.js';

/** A scheduled trigger, as the health-sweep schedule sends it. */
export function scheduled(id = `sched:${Math.random()}`): Trigger {
  return { kind: 'scheduled', id, job: 'health-sweep', scheduledAt: new Date().toISOString(), payload: {} };
}

/** A manual trigger with a payload. */
export function manual(payload: Record<string, unknown>): Trigger {
  return { kind: 'manual', id: `manual:${Math.random()}`, payload, caller: 'test' };
}

/**
 * The health sweep over production adapters (short timeouts, an instant re-check wait), an estate with the
 * given `health` section, memory state, a recording notifier and a clock the test moves.
 */
export function healthHarness(estate: Partial<EstateInput>, deps: Partial<HealthSweepDeps> = {}) {
  const config = EstateSchema.parse({ estate: 'test', ...estate });
  const state = new MemoryStateStore();
  const notifier = recordingNotifier();
  const clock = { now: new Date('2026-03-02T09:00:00Z') };
  const sleeps: number[] = [];
  const fullDeps: HealthSweepDeps = {
    ...defaultHealthSweepDeps({ timing: { timeoutMs: 2_000, retries: 0, retryDelayMs: 5, pollMs: 5 } }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...deps,
  };
  const definition = createHealthSweep(fullDeps);
  const logs: string[] = [];
  const invoke = (trigger: Trigger = scheduled(), options: { dryRun?: boolean } = {}): Promise<ResultEnvelope> =>
    runFunction(definition, trigger, {
      config,
      state,
      notifier,
      now: () => clock.now,
      logSink: (l) => logs.push(l),
      ...options,
    });
  const audits = () => logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
  };
  return { config, state, sent: notifier.sent, clock, advance, sleeps, invoke, audits, deps: fullDeps };
}

/** The envelope's items as sweep items, by check name. */
export function itemsOf(envelope: ResultEnvelope): Record<string, SweepItem> {
  return Object.fromEntries((envelope.items as SweepItem[]).map((i) => [i.check, i]));
}

/** A loopback HTTP server answering by path; `stop` destroys hung sockets too. */
export async function httpServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; stop: () => Promise<void> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Replies with JSON. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
