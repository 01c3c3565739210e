import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseDuration } from '../../core/config/index.js';
import { OpsError } from '../../core/errors/index.js';
import { type AnyFunction, createRuntime, loadConfig, RUN_STEPS, type Runtime } from '../runtime/index.js';
import { controlCommand, schedulesCommand, sweepCommand, validateCommand } from './admin-cmds.js';
import type { CliCommand } from './command.js';
import type { DemoEstate, DemoStarter } from './demo-estate.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import { invokeCommand } from './invoke-cmd.js';
import { type CliIo, processIo } from './io.js';
import { logModeOf, logSinkFor } from './log-mode.js';
import type { Serving } from './serve-cmd.js';

const USAGE = `usage:
  opsfn serve     [--config F | --demo] [--port 8080] [--host H] [--no-scheduler] [--grace 8s] [--schedules DIR]
  opsfn invoke    <function> [--config F] [--event F|-] [--payload JSON] [--dry-run] [--json] [--log json|text] [--self-test] [--plan NAME]
  opsfn config    validate [F...]
  opsfn schedules [--json] [--config F]
  opsfn pause     [function] [--reason R] [--config F]
  opsfn resume    [function] [--config F]
  opsfn sweep     [--config F] [--dry-run] [--json]   drop scratch databases left behind by restore tests
`;

/** What the CLI is built from: the function registry and its extra commands; the rest from the environment. */
export interface CliDeps {
  functions: readonly AnyFunction[];
  commands?: readonly CliCommand[];
  io?: CliIo;
  /** Called with a started server; `serve` otherwise runs until SIGINT/SIGTERM. */
  onServing?: (serving: Serving) => void;
  /** Where `serve` writes its log lines; stdout (Cloud Logging) by default. */
  logSink?: (line: string) => void;
  /** Builds the estate `serve --demo` serves when no `--config` is given. */
  demo?: DemoStarter;
}

const common = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  log: { type: 'string' },
} as const;

async function withRuntime(
  deps: CliDeps,
  io: CliIo,
  options: { config?: unknown; log?: unknown },
  use: (runtime: Runtime) => Promise<number>,
): Promise<number> {
  const logSink = logSinkFor(logModeOf(options.log, io), io);
  const estate = await loadConfig(typeof options.config === 'string' ? options.config : undefined, { env: io.env });
  // Logs go to stderr so stdout carries only the result (`--json` prints the envelope alone).
  const runtime = await createRuntime({ config: estate, functions: deps.functions, env: io.env, logSink });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}

async function dispatch(argv: string[], deps: CliDeps, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          ...common,
          port: { type: 'string', default: '8080' },
          host: { type: 'string' },
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
      // `--config` (or OPSFN_CONFIG) always wins: the demo is only for a checkout that names no estate.
      let demo: DemoEstate | undefined;
      if (values.demo && !values.config && !io.env.OPSFN_CONFIG) {
        if (!deps.demo) throw new UsageError('--demo: this build has no demo estate');
        demo = await deps.demo(join(process.cwd(), '.opsfn', 'demo'));
      }
      const env = demo ? { ...io.env, ...demo.env } : io.env;
      const estate = await loadConfig(demo?.config ?? values.config, { env });
      // The server's parts (console, prom-client) load only for `serve`: every other command starts without them.
      const [{ serve }, { createOpsMetrics }] = await Promise.all([
        import('./serve-cmd.js'),
        import('../metrics/index.js'),
      ]);
      const metrics = createOpsMetrics({ config: estate, functions: deps.functions });
      const runtime = await createRuntime({
        config: estate,
        functions: deps.functions,
        env,
        steps: [...RUN_STEPS, metrics.step],
        ...(deps.logSink ? { logSink: deps.logSink } : {}),
      });
      const serving = await serve(
        runtime,
        {
          port,
          graceMs,
          metrics,
          scheduler: !values['no-scheduler'],
          // The demo's tokens are printed on the terminal: it listens on this machine only.
          ...(values.host ? { host: values.host } : demo ? { host: '127.0.0.1' } : {}),
          ...(values.schedules ? { schedules: values.schedules } : {}),
        },
        io,
      );
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
    case 'invoke': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          ...common,
          event: { type: 'string' },
          payload: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          'self-test': { type: 'boolean', default: false },
          plan: { type: 'string' },
        },
      });
      const [fn] = positionals;
      if (!fn) throw new UsageError('invoke: name the function (e.g. opsfn invoke backupVerify)');
      const extra: Record<string, unknown> = {
        ...(values['self-test'] ? { selfTest: true } : {}),
        ...(values.plan ? { plan: values.plan } : {}),
      };
      return withRuntime(deps, io, values, (runtime) =>
        invokeCommand(
          runtime,
          {
            function: fn,
            dryRun: values['dry-run'],
            json: values.json,
            extra,
            ...(values.event ? { event: values.event } : {}),
            ...(values.payload ? { payload: values.payload } : {}),
          },
          io,
        ),
      );
    }
    case 'config': {
      const [sub, ...files] = rest;
      if (sub !== 'validate') throw new UsageError('config: the only subcommand is "validate"');
      return validateCommand(files, io);
    }
    case 'schedules': {
      const { values } = parseArgs({ args: rest, options: common });
      const timezone =
        values.config || io.env.OPSFN_CONFIG ? (await loadConfig(values.config, { env: io.env })).timezone : 'UTC';
      return schedulesCommand(values.json, timezone, io);
    }
    case 'pause':
    case 'resume': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...common, reason: { type: 'string' } },
      });
      return withRuntime(deps, io, values, (runtime) =>
        controlCommand(runtime, command, positionals[0], values.reason, io),
      );
    }
    case 'sweep': {
      const { values } = parseArgs({
        args: rest,
        options: { ...common, 'dry-run': { type: 'boolean', default: false } },
      });
      return withRuntime(deps, io, values, (runtime) =>
        sweepCommand(runtime, { dryRun: values['dry-run'], json: values.json }, io),
      );
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE + (deps.commands ?? []).map((c) => `  ${c.usage}\n`).join(''));
      return command === undefined ? ExitCodes.usage : ExitCodes.ok;
    default: {
      const extra = deps.commands?.find((c) => c.name === command);
      if (!extra) throw new UsageError(`unknown command "${command}"`);
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: false, options: common });
      return withRuntime(deps, io, values, (runtime) => extra.run(runtime, positionals, io));
    }
  }
}

/** The `opsfn` command line; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], deps: CliDeps): Promise<number> {
  const io = deps.io ?? processIo();
  try {
    return await dispatch(argv, deps, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`opsfn: ${error.message}\n${USAGE}`);
      return ExitCodes.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return ExitCodes.usage;
    }
    if (error instanceof OpsError) {
      io.err(`opsfn: ${error.message}\n`);
      return error.kind === 'badInput' || error.kind === 'notFound' ? ExitCodes.usage : ExitCodes.fail;
    }
    if (error instanceof SyntaxError) {
      io.err(`opsfn: ${error.message}\n`);
      return ExitCodes.usage;
    }
    io.err(`opsfn: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCodes.fail;
  }
}
