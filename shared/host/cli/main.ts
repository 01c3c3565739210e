import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Estate, EstateSchema } from '../../core/config/index.js';
import { NotFoundError, OpsError } from '../../core/errors/index.js';
import type { AnyFunction, Runtime } from '../runtime/index.js';
import { type CliCatalogue, type CliScope, loadedCatalogue } from './catalogue.js';
import { type CliCommand, COMMON_OPTIONS } from './command.js';
import type { DemoStarter } from './demo-estate.js';
import { ExitCodes, UsageError } from './exit-codes.js';
import { invokeUsage, parseInvokeArgs } from './invoke-args.js';
import { type CliIo, processIo, withConfigPath } from './io.js';
import { logModeOf, logSinkFor } from './log-mode.js';
import type { Serving } from './serve-cmd.js';

const USAGE = `usage:
  opsfn serve     [--config F | --demo] [--port 8080] [--host H] [--allowed-host NAME…] [--trusted-proxy CIDR…] [--no-scheduler] [--grace 8s] [--schedules DIR]
  opsfn invoke    <function> [--config F] [--event F|-] [--payload JSON] [--dry-run] [--json] [--log json|text]
  opsfn config    validate [--config F] [--schedules DIR] [F...]
  opsfn schedules [--json] [--config F] [--schedules DIR]
  opsfn pause     [function] [--reason R] [--config F]
  opsfn resume    [function] [--config F]
`;

/** How the CLI talks to its surroundings; the defaults are the process's own. */
export interface CliHooks {
  io?: CliIo;
  /** Called with a started server; `serve` otherwise runs until SIGINT/SIGTERM. */
  onServing?: (serving: Serving) => void;
  /** Where `serve` writes its log lines; stdout (Cloud Logging) by default. */
  logSink?: (line: string) => void;
  /** Builds the estate `serve --demo` serves when no `--config` is given. */
  demo?: DemoStarter;
}

/**
 * What the CLI is built from: a catalogue that lists the functions (with their `invoke` flags) and their
 * extra commands and loads, per command, only what that command runs; or those already loaded with the
 * estate schema composed from their config sections. The rest comes from the environment.
 */
export type CliDeps = CliHooks &
  (
    | { catalogue: CliCatalogue }
    | { functions: readonly AnyFunction[]; commands?: readonly CliCommand[]; estate: EstateSchema }
  );

const catalogueOf = (deps: CliDeps): CliCatalogue => ('catalogue' in deps ? deps.catalogue : loadedCatalogue(deps));

const common = COMMON_OPTIONS;

/** The usage text: the built-in commands, then each function's `invoke` flags and extra commands. */
function usage(catalogue: CliCatalogue): string {
  return USAGE + invokeUsage(catalogue.functions) + catalogue.commands.map((c) => `  ${c.usage}\n`).join('');
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

/** Loads what `scope` needs and reads the config with the schema of the functions loaded. */
async function loadFor(catalogue: CliCatalogue, scope: CliScope, config: string | undefined, io: CliIo) {
  const [loaded, { loadConfig }] = await Promise.all([catalogue.load(scope), import('../runtime/index.js')]);
  return { loaded, estate: await loadConfig(loaded.estate, config, { env: io.env }) };
}

async function withRuntime(
  catalogue: CliCatalogue,
  scope: CliScope,
  io: CliIo,
  options: { config?: string | undefined; log?: unknown },
  use: (runtime: Runtime, loaded: Awaited<ReturnType<CliCatalogue['load']>>) => Promise<number>,
): Promise<number> {
  const logSink = logSinkFor(logModeOf(options.log, io), io);
  const { loaded, estate } = await loadFor(catalogue, scope, options.config, io);
  const { createRuntime } = await import('../runtime/index.js');
  // Logs go to stderr so stdout carries only the result (`--json` prints the envelope alone). A job this process
  // starts (`OPSFN_RESTORE_JOB=local`) reads the estate `--config` named, as the process does.
  const env = withConfigPath(io.env, options.config);
  const runtime = await createRuntime({ config: estate, functions: loaded.functions, env, logSink });
  try {
    return await use(runtime, loaded);
  } finally {
    await runtime.close();
  }
}

/** Refuses a function name the catalogue does not list, naming the ones it does. */
function known(catalogue: CliCatalogue, name: string | undefined): void {
  if (name === undefined || catalogue.functions.some((f) => f.name === name)) return;
  throw new NotFoundError(`unknown function "${name}" (known: ${catalogue.functions.map((f) => f.name).join(', ')})`);
}

async function serveCommand(rest: string[], deps: CliDeps, catalogue: CliCatalogue, io: CliIo): Promise<number> {
  // The server's parts (console, prom-client) load only for `serve`: every other command starts without them.
  const { serveMain } = await import('./serve-main.js');
  // Every function, loaded once its arguments name the jobs it runs (`--schedules`): the estate is checked against those.
  return serveMain(rest, { ...deps, load: (scope) => catalogue.load(scope) }, io);
}

/** The scope of a command that runs or shows the jobs of `--schedules DIR` (the packaged ones without it). */
const withSchedules = (scope: CliScope, dir: string | undefined): CliScope =>
  dir === undefined ? scope : { ...scope, schedules: dir };

// Each command imports what it runs when it runs: `opsfn --help` loads no function, no schema and no SDK.
async function dispatch(argv: string[], deps: CliDeps, catalogue: CliCatalogue, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest, deps, catalogue, io);
    case 'invoke': {
      const { config, log, args } = parseInvokeArgs(rest, catalogue.functions);
      known(catalogue, args.function);
      const { invokeCommand } = await import('./invoke-cmd.js');
      return withRuntime(catalogue, { functions: [args.function] }, io, { config, log }, (runtime) =>
        invokeCommand(runtime, args, io),
      );
    }
    case 'config': {
      const [sub, ...args] = rest;
      if (sub !== 'validate') throw new UsageError('config: the only subcommand is "validate"');
      // Every other command takes --config; validate takes it too, beside positional files. `--schedules DIR`
      // checks the overrides against the jobs `serve --schedules DIR` runs instead of the packaged ones.
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { config: { type: 'string', multiple: true }, schedules: { type: 'string' } },
      });
      const [loaded, { validateCommand }] = await Promise.all([
        catalogue.load(withSchedules({}, values.schedules)),
        import('./admin-cmds.js'),
      ]);
      return validateCommand(loaded.estate, [...(values.config ?? []), ...positionals], io);
    }
    case 'schedules': {
      const { values } = parseArgs({ args: rest, options: { ...common, schedules: { type: 'string' } } });
      let estate: Pick<Estate, 'timezone' | 'schedules'> = { timezone: 'UTC', schedules: {} };
      // The estate every other command reads: --config, else OPSFN_CONFIG, else ./opsfn.yaml when there is one.
      if (values.config || io.env.OPSFN_CONFIG || existsSync('opsfn.yaml')) {
        // Only the common part is read (time zone, schedule overrides): no function's section is loaded or checked.
        // The overrides are checked against the jobs listed: those of --schedules DIR, else the packaged ones.
        const scope = withSchedules({ functions: [] }, values.schedules);
        estate = (await loadFor(catalogue, scope, values.config, io)).estate as Estate;
      }
      const { schedulesCommand } = await import('./admin-cmds.js');
      return schedulesCommand(values.json, estate, io, values.schedules);
    }
    case 'pause':
    case 'resume': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...common, reason: { type: 'string' } },
      });
      known(catalogue, positionals[0]);
      if (positionals.length > 1)
        throw new UsageError(
          `${command}: one function at a time, or none for every function (got ${positionals.join(' ')})`,
        );
      const { controlCommand } = await import('./admin-cmds.js');
      // No function's section is loaded: a kill switch must work whatever state a function's config is in.
      return withRuntime(catalogue, { functions: [] }, io, values, (runtime) =>
        controlCommand(runtime, command, positionals[0], values.reason, io),
      );
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(usage(catalogue));
      return command === undefined ? ExitCodes.usage : ExitCodes.ok;
    default: {
      if (!catalogue.commands.some((c) => c.name === command)) throw new UsageError(`unknown command "${command}"`);
      // The command parses its own arguments; only the config it runs with is taken here.
      const { config, args } = takeConfig(rest);
      return withRuntime(catalogue, { command }, io, { config }, async (runtime, loaded) => {
        const extra = loaded.commands.find((c) => c.name === command);
        if (!extra) throw new UsageError(`unknown command "${command}"`);
        return extra.run(runtime, args, io);
      });
    }
  }
}

/** The `opsfn` command line; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], deps: CliDeps): Promise<number> {
  const io = deps.io ?? processIo();
  const catalogue = catalogueOf(deps);
  try {
    return await dispatch(argv, deps, catalogue, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`opsfn: ${error.message}\n${usage(catalogue)}`);
      return ExitCodes.usage;
    }
    // A config error names its file and each bad path itself (ConfigError, known by name: its module is not loaded here).
    if (error instanceof OpsError && error.name === 'ConfigError') {
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
