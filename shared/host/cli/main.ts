import { parseArgs } from 'node:util';
import { ConfigError } from '../../core/config/index.js';
import { OpsError } from '../../core/errors/index.js';
import { createRuntime, loadConfig, type Runtime } from '../runtime/index.js';
import { controlCommand, schedulesCommand, sweepCommand, validateCommand } from './admin-cmds.js';
import { type CliCommand, COMMON_OPTIONS } from './command.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import { invokeCommand } from './invoke-cmd.js';
import { type CliIo, processIo } from './io.js';
import { logModeOf, logSinkFor } from './log-mode.js';
import type { ServeDeps } from './serve-main.js';

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
export interface CliDeps extends ServeDeps {
  commands?: readonly CliCommand[];
  io?: CliIo;
}

const common = COMMON_OPTIONS;

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
      // The server's parts (console, prom-client) load only for `serve`: every other command starts without them.
      const { serveMain } = await import('./serve-main.js');
      return serveMain(rest, deps, io);
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
