import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { effectiveSchedules, loadSchedules } from '../../core/config/index.js';
import { createConsole, type TrustedProxies } from '../console/index.js';
import { metricsMount, type OpsMetrics } from '../metrics/index.js';
import type { Runtime, Scheduler } from '../runtime/index.js';
import { createHttpServer, isLoopbackHost, packageRoot, startScheduler } from '../runtime/index.js';
import type { CliIo } from './io.js';

/** Options of `opsfn serve`. */
export interface ServeArgs {
  port: number;
  host?: string;
  /**
   * The `Host` names clients reach it by (`--allowed-host`); requests naming any other are refused. Required
   * when it listens off loopback and checks no credentials (`auth.mode: platform`): a web page could
   * otherwise reach it through DNS rebinding wherever its port is published.
   */
  allowedHosts?: readonly string[];
  /**
   * The proxies in front (`--trusted-proxy`, addresses or CIDR ranges): the console counts refused sign-ins per
   * client as their `X-Forwarded-For` names it, not per proxy (which would let one guesser lock out everyone).
   */
  trustedProxies?: TrustedProxies;
  /** The directory of the job files the scheduler runs (`--schedules`), instead of the packaged `schedules/`. */
  schedules?: string;
  scheduler: boolean;
  /** How long running work may take to finish once a stop is asked for; 8 s by default. */
  graceMs?: number;
  /** The process's metrics, served at `GET /metrics`; their run step must be among the runtime's. */
  metrics?: OpsMetrics;
}

/** The default grace period: inside the 10 s that Cloud Run and `docker stop` allow after SIGTERM. */
export const DEFAULT_GRACE_MS = 8_000;
/** After the drain, how long open connections may take to finish before they are cut. */
const CLOSE_GRACE_MS = 1_000;

/** A running `opsfn serve`. */
export interface Serving {
  url: string;
  /** Stops taking work, lets running work finish within the grace period (interrupting the rest), then closes. */
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
  const hosts = args.allowedHosts?.length ? args.allowedHosts : undefined;
  if (!checked && !loopback && !hosts) {
    throw new Error(
      `refusing to listen on ${host} with auth.mode platform and no --allowed-host: it checks no credentials, so a web page could reach it through DNS rebinding; name the Host names it is reached by`,
    );
  }
  if (!checked && !loopback) {
    io.err(`auth.mode is platform: opsfn checks no credentials on ${host}; something in front of it must\n`);
  }
  let scheduler: Scheduler | undefined;
  await args.metrics?.load(runtime.state);
  // The jobs of `--schedules DIR`, else the packaged ones: the estate's overrides are applied to those before anything
  // listens, so one naming a job that is not there stops the start. Without the scheduler no job runs and none is
  // overridden (the estate's load checked the overrides against the same directory).
  const jobsFrom = args.schedules ?? join(packageRoot(), 'schedules');
  const schedules = args.scheduler ? effectiveSchedules(await loadSchedules(jobsFrom), runtime.config, jobsFrom) : [];
  const mounts = [
    createConsole(runtime, {
      loopback,
      ...(hosts ? { hosts } : {}),
      ...(args.trustedProxies ? { trustedProxies: args.trustedProxies } : {}),
      jobs: () => scheduler?.jobs ?? [],
    }),
    ...(args.metrics ? [metricsMount(runtime, args.metrics, { loopback, ...(hosts ? { hosts } : {}) })] : []),
  ];
  const server = createHttpServer(runtime, { loopback, ...(hosts ? { hosts } : {}), mounts });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const started = startScheduler(runtime, schedules, (job, envelope) => {
    io.err(`scheduled ${job.name}: ${envelope.outcome}: ${envelope.summary}\n`);
  });
  scheduler = started;
  io.err(
    `opsfn serving ${runtime.functions.map((f) => `/${f.name}`).join(' ')} at ${url} (console GET /, GET /metrics, GET /healthz, GET /readyz, /control)\n`,
  );
  for (const job of started.jobs)
    io.err(`  schedule ${job.name} → ${job.function}, next ${job.next?.toISOString() ?? 'never'} (${job.timeZone})\n`);
  const redelivered = await runtime.redeliver();
  if (redelivered > 0) io.err(`  delivering again ${redelivered} invocation(s) the last shutdown interrupted\n`);
  return {
    url,
    async stop() {
      scheduler?.stop();
      const graceMs = args.graceMs ?? DEFAULT_GRACE_MS;
      // The server keeps listening while draining, so new requests get a 503 instead of a refused connection.
      const report = await runtime.drain({ graceMs });
      const cut = report.interrupted.map((r) => `${r.function}:${r.trigger}`);
      io.err(
        `opsfn stopping: ${report.finished} run(s) finished within ${graceMs / 1000}s${cut.length > 0 ? `, interrupted and kept for the next start: ${cut.join(', ')}` : ''}\n`,
      );
      // Answers already on their way get a moment; a connection still sending a request (a stalled upload, a
      // slow client) would hold close() up to Node's request timeout, past the platform's kill.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed.finally(() => clearTimeout(cutOff));
      await runtime.close();
    },
  };
}
