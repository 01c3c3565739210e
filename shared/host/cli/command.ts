import type { Runtime } from '../runtime/index.js';
import type { CliIo } from './io.js';

/** An extra `opsfn` subcommand contributed by a function (e.g. `release-pin`). */
export interface CliCommand {
  name: string;
  usage: string;
  run(runtime: Runtime, args: string[], io: CliIo): Promise<number>;
}

/** The options every command takes: the estate file, JSON output, and how log lines are written. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  log: { type: 'string' },
} as const;
