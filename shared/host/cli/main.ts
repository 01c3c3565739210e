import { parseArgs } from 'node:util';
import { ConfigError, type EstateSchema } from '../../core/config/index.js';
import { OpsError } from '../../core/errors/index.js';
import { createRuntime, loadConfig, type Runtime } from '../runtime/index.js';
import { controlCommand, schedulesCommand, validateCommand } from './admin-cmds.js';
import { type CliCommand, COMMON_OPTIONS } from './command.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import { invokeCommand, invokeUsage, parseInvokeArgs } from './invoke-cmd.js';
import { type CliIo, processIo } from './io.js';
import { logModeOf, logSinkFor } from './log-mode.js';
import type { ServeDeps } from './serve-main.js';

const USAGE = `usage:
  opsfn serve     [--config F | --demo] [--port 8080] [--host H] [--no-scheduler] [--grace 8s] [--schedules DIR]
  opsfn invoke    <function> [--config F] [--event F|-] [--payload JSON] [--dry-run] [--json] [--log json|text]
  opsfn config    validate [--config F] [F...]
  opsfn schedules [--json] [--config F]
  opsfn pause     [function] [--reason R] [--config F]
  opsfn resume    [function] [--config F]
`;

/**
 * What the CLI is built from: the registered functions (with their `invoke` flags), their extra commands
 * and the estate schema composed from their config sections; the rest from the environment.
 */
export interface CliDeps extends ServeDeps {
  commands?: readonly CliCommand[];
  estate: EstateSchema;
  io?: CliIo;
}

const common = COMMON_OPTIONS;

/** The usage text: the built-in commands, then each function's `invoke` flags and extra commands. */
function usage(deps: CliDeps): string {
  return USAGE + invokeUsage(deps.functions) + (deps.commands ?? []).map((c) => `  ${c.usage}\n`).join('');
}

/** Splits `--config F` (or `--config=F`) off a contributed command's arguments. */
function takeConfig(argv: string[]): { config?: string; args: string[] } {
  const args: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg === '--config' || arg.startsWith('--config=')) {
      config = arg === '--config' ? argv[++i] : arg.slice('--config='.length);
      if (!config) throw new UsageError('--config: expected a file');
    } else args.push(arg);
  }
  return { ...(config ? { config } : {}), args };
}

async function withRuntime(
  deps: CliDeps,
  io: CliIo,
  options: { config?: unknown; log?: unknown },
  use: (runtime: Runtime) => Promise<number>,
): Promise<number> {
  const logSink = logSinkFor(logModeOf(options.log, io), io);
  const config = typeof options.config === 'string' ? options.config : undefined;
  const estate = await loadConfig(deps.estate, config, { env: io.env });
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
      const { config, log, args } = parseInvokeArgs(rest, deps.functions);
      return withRuntime(deps, io, { config, log }, (runtime) => invokeCommand(runtime, args, io));
    }
    case 'config': {
      const [sub, ...args] = rest;
      if (sub !== 'validate') throw new UsageError('config: the only subcommand is "validate"');
      // Every other command takes --config; validate takes it too, beside positional files.
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { config: { type: 'string', multiple: true } },
      });
      return validateCommand(deps.estate, [...(values.config ?? []), ...positionals], io);
    }
    case 'schedules': {
      const { values } = parseArgs({ args: rest, options: common });
      const estate =
        values.config || io.env.OPSFN_CONFIG
          ? await loadConfig(deps.estate, values.config, { env: io.env })
          : { timezone: 'UTC', schedules: {} };
      return schedulesCommand(values.json, estate, io);
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
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(usage(deps));
      return command === undefined ? ExitCodes.usage : ExitCodes.ok;
    default: {
      const extra = deps.commands?.find((c) => c.name === command);
      if (!extra) throw new UsageError(`unknown command "${command}"`);
      // The command parses its own arguments; only the config it runs with is taken here.
      const { config, args } = takeConfig(rest);
      return withRuntime(deps, io, { config }, (runtime) => extra.run(runtime, args, io));
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
      io.err(`opsfn: ${error.message}\n${usage(deps)}`);
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
