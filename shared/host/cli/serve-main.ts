import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../core/config/index.js';
import { errorMessage } from '../../core/errors/index.js';
import { type TrustedProxies, trustedProxies } from '../console/index.js';
import { createOpsMetrics } from '../metrics/index.js';
import { createRuntime, loadConfig, RUN_STEPS } from '../runtime/index.js';
import type { CliLoaded, CliScope } from './catalogue.js';
import { COMMON_OPTIONS } from './command.js';
import type { DemoEstate, DemoStarter } from './demo-estate.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import { type CliIo, withConfigPath } from './io.js';
import { type Serving, serve } from './serve-cmd.js';

/** What `opsfn serve` is built from. */
export interface ServeDeps {
  /**
   * Loads every function and the estate schema composed from their config sections, which checks the estate's
   * `schedules` overrides against the jobs `serve` runs (`scope.schedules`, `--schedules DIR`; else the packaged).
   */
  load(scope: CliScope): Promise<Pick<CliLoaded, 'functions' | 'estate'>>;
  /** Called with a started server; `serve` otherwise runs until SIGINT/SIGTERM. */
  onServing?: (serving: Serving) => void;
  /** Where `serve` writes its log lines; stdout (Cloud Logging) by default. */
  logSink?: (line: string) => void;
  /** Builds the estate `serve --demo` serves when no `--config` is given. */
  demo?: DemoStarter;
}

/**
 * `opsfn serve` from its arguments: the estate (or the demo's), the metrics and their run step, the
 * runtime and the server; runs until SIGINT or SIGTERM, then drains.
 */
export async function serveMain(args: string[], deps: ServeDeps, io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      port: { type: 'string', default: '8080' },
      host: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'trusted-proxy': { type: 'string', multiple: true },
      'no-scheduler': { type: 'boolean', default: false },
      grace: { type: 'string', default: '8s' },
      schedules: { type: 'string' },
      demo: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: expected 0-65535, got "${values.port}"`);
  const graceMs = parseDuration(values.grace);
  if (graceMs === undefined) throw new UsageError(`--grace: expected a duration like "8s", got "${values.grace}"`);
  let proxies: TrustedProxies | undefined;
  try {
    proxies = values['trusted-proxy'] ? trustedProxies(values['trusted-proxy']) : undefined;
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  // The jobs `serve` runs, and those the estate's `schedules` overrides are checked against: one directory.
  const { functions, estate: schema } = await deps.load(values.schedules ? { schedules: values.schedules } : {});
  // `--config` (or OPSFN_CONFIG) always wins: the demo is only for a checkout that names no estate.
  let demo: DemoEstate | undefined;
  if (values.demo && !values.config && !io.env.OPSFN_CONFIG) {
    if (!deps.demo) throw new UsageError('--demo: this build has no demo estate');
    demo = await deps.demo(join(process.cwd(), '.opsfn', 'demo'));
  }
  // A job this process starts (`OPSFN_RESTORE_JOB=local`) reads the estate `--config` named, as the process does.
  const env = withConfigPath(demo ? { ...io.env, ...demo.env } : io.env, demo?.config ?? values.config);
  const estate = await loadConfig(schema, demo?.config ?? values.config, { env });
  const metrics = createOpsMetrics({ config: estate, functions });
  const runtime = await createRuntime({
    config: estate,
    functions,
    env,
    steps: [...RUN_STEPS, metrics.step],
    ...(deps.logSink ? { logSink: deps.logSink } : {}),
  });
  let serving: Awaited<ReturnType<typeof serve>>;
  try {
    serving = await serve(
      runtime,
      {
        port,
        graceMs,
        metrics,
        scheduler: !values['no-scheduler'],
        // The demo's tokens are printed on the terminal: it listens on this machine only.
        ...(values.host ? { host: values.host } : demo ? { host: '127.0.0.1' } : {}),
        ...(values['allowed-host'] ? { allowedHosts: values['allowed-host'] } : {}),
        ...(proxies ? { trustedProxies: proxies } : {}),
        ...(values.schedules ? { schedules: values.schedules } : {}),
      },
      io,
    );
  } catch (error) {
    // Not serving (a port taken, a bind refused): what was opened is closed, so the process exits with the error
    // instead of living on with a state store connection and a supervisor seeing it up.
    await runtime.close().catch(() => undefined);
    await demo?.stop().catch(() => undefined);
    throw error;
  }
  if (demo) {
    for (const line of demo.banner) io.err(`  ${line}\n`);
    demo.started(runtime, (line) => io.err(`${line}\n`));
    const stop = serving.stop;
    const built = demo;
    serving.stop = async () => {
      await stop();
      await built.stop();
    };
  }
  if (deps.onServing) {
    deps.onServing(serving);
    return ExitCodes.ok;
  }
  const signals = ['SIGINT', 'SIGTERM'] as const;
  await new Promise<void>((resolve) => {
    // Only the first signal drains; with the handlers gone, a second one stops the process at once.
    const stop = () => {
      for (const signal of signals) process.off(signal, stop);
      resolve();
    };
    for (const signal of signals) process.on(signal, stop);
  });
  await serving.stop();
  return ExitCodes.ok;
}
