import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadSchedules } from '../config/schedules-load.js';
import { createHttpServer } from '../runtime/node-server.js';
import { packageRoot } from '../runtime/package-root.js';
import { isLoopbackHost } from '../runtime/request-guard.js';
import type { Runtime } from '../runtime/runtime.js';
import { startScheduler } from '../runtime/scheduler.js';
import type { CliIo } from './io.js';

/** Options of `opsfn serve`. */
export interface ServeArgs {
  port: number;
  host?: string;
  schedules?: string;
  scheduler: boolean;
}

/** A running `opsfn serve`. */
export interface Serving {
  url: string;
  stop(): Promise<void>;
}

/**
 * `opsfn serve`: every function over HTTP plus the embedded scheduler. Without credentials checked
 * by opsfn (`auth.tokens` / `auth.oidc`) it binds loopback only, so an unauthenticated endpoint is
 * never exposed; on loopback it answers only to a loopback `Host`, so a web page cannot reach it
 * through DNS rebinding.
 */
export async function serve(runtime: Runtime, args: ServeArgs, io: CliIo): Promise<Serving> {
  const auth = runtime.config.auth;
  const checked = auth !== undefined && auth.mode === 'app';
  const host = args.host ?? (checked ? '0.0.0.0' : '127.0.0.1');
  const loopback = isLoopbackHost(host);
  if (!checked && !loopback && auth?.mode !== 'platform') {
    throw new Error(`refusing to listen on ${host} without auth in the config; add auth.tokens or auth.oidc`);
  }
  if (!checked && !loopback) {
    io.err(`auth.mode is platform: opsfn checks no credentials on ${host}; something in front of it must\n`);
  }
  const server = createHttpServer(runtime, { loopback });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const schedules = args.scheduler ? await loadSchedules(args.schedules ?? join(packageRoot(), 'schedules')) : [];
  const scheduler = startScheduler(runtime, schedules, (job, envelope) => {
    io.err(`scheduled ${job.name}: ${envelope.outcome}: ${envelope.summary}\n`);
  });
  io.err(
    `opsfn serving ${runtime.functions.map((f) => `/${f.name}`).join(' ')} at ${url} (GET /healthz, GET /readyz)\n`,
  );
  for (const job of scheduler.jobs)
    io.err(`  schedule ${job.name} → ${job.function}, next ${job.next?.toISOString() ?? 'never'}\n`);
  return {
    url,
    async stop() {
      scheduler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await runtime.close();
    },
  };
}
