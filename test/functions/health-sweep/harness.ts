import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EstateInput, EstateSchema } from '../../../functions/estate.js';
import { defaultHealthSweepDeps, type HealthSweepDeps } from '../../../functions/health-sweep/deps.js';
import { createHealthSweep } from '../../../functions/health-sweep/handler.js';
import type { SweepItem } from '../../../functions/health-sweep/sweep-types.js';
import type { Trigger } from '../../../shared/core/events/trigger.js';
import type { Notifier } from '../../../shared/core/notify/index.js';
import type { ResultEnvelope } from '../../../shared/core/run/types.js';
import { createTestRunner, manualTrigger, scheduledTrigger, testClock } from '../../../shared/testing/index.js';

/** A scheduled trigger, as the health-sweep schedule sends it. */
export function scheduled(id?: string): Trigger {
  return scheduledTrigger({}, { job: 'health-sweep', ...(id ? { id } : {}) });
}

/** A manual trigger with a payload. */
export function manual(payload: Record<string, unknown>): Trigger {
  return manualTrigger(payload);
}

/**
 * The health sweep over production adapters (short timeouts, an instant re-check wait), an estate with the
 * given `health` section, memory state, a recording notifier and a clock the test moves.
 */
export function healthHarness(
  estate: Partial<EstateInput>,
  deps: Partial<HealthSweepDeps> = {},
  options: { notifier?: Notifier } = {},
) {
  const config = EstateSchema.parse({ estate: 'test', ...estate });
  const clock = testClock('2026-03-02T09:00:00Z');
  const sleeps: number[] = [];
  const fullDeps: HealthSweepDeps = {
    ...defaultHealthSweepDeps({ timing: { timeoutMs: 2_000, retries: 0, retryDelayMs: 5, pollMs: 5 } }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...deps,
  };
  const definition = createHealthSweep(fullDeps);
  const runner = createTestRunner(definition, {
    estate: config,
    now: clock.now,
    ...(options.notifier ? { notifier: options.notifier } : {}),
  });
  const invoke = async (trigger: Trigger = scheduled(), options: { dryRun?: boolean } = {}): Promise<ResultEnvelope> =>
    (await runner.run(trigger, options)).envelope;
  return {
    config,
    state: runner.state,
    sent: runner.sent,
    clock,
    advance: clock.advance,
    sleeps,
    invoke,
    audits: runner.audits,
    deps: fullDeps,
  };
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
