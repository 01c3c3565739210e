import type { EstateSchema } from '../../core/config/index.js';
import type { InvokeFlag } from '../../core/run/index.js';
import type { AnyFunction } from '../runtime/index.js';
import type { CliCommand } from './command.js';

/** A function as the CLI lists it before loading it: its name and the flags of `opsfn invoke <name>`. */
export interface CliFunctionEntry {
  name: string;
  flags?: readonly InvokeFlag[];
}

/** An extra command as the CLI lists it before loading it. */
export interface CliCommandEntry {
  name: string;
  usage: string;
}

/** What one CLI command runs with: the functions it needs and the estate schema that validates their config. */
export interface CliLoaded {
  functions: readonly AnyFunction[];
  commands: readonly CliCommand[];
  estate: EstateSchema;
}

/**
 * What to load: every function (`{}`), some functions, or the function that contributes a command; and the jobs
 * the command runs or shows (`schedules`, their directory, else the packaged `schedules/`), which the estate
 * schema checks the `schedules` overrides against.
 */
export interface CliScope {
  functions?: readonly string[];
  command?: string;
  schedules?: string;
}

/**
 * The functions and commands of the CLI: listed without loading any (for usage and argument parsing),
 * loaded per command, so `opsfn invoke <fn>` pays for one function and its config section only.
 */
export interface CliCatalogue {
  readonly functions: readonly CliFunctionEntry[];
  readonly commands: readonly CliCommandEntry[];
  load(scope: CliScope): Promise<CliLoaded>;
}

/**
 * A catalogue over functions already loaded: every command gets all of them (tests, embedders), and the estate
 * schema as it was composed, whatever `schedules` a scope names (`serve` and `schedules` still refuse an override
 * naming none of the jobs they run or list when they apply the overrides).
 */
export function loadedCatalogue(loaded: {
  functions: readonly AnyFunction[];
  commands?: readonly CliCommand[];
  estate: EstateSchema;
}): CliCatalogue {
  const commands = loaded.commands ?? [];
  return {
    functions: loaded.functions,
    commands,
    load: async () => ({ functions: loaded.functions, commands, estate: loaded.estate }),
  };
}
