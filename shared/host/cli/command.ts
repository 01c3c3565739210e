import type { Runtime } from '../runtime/index.js';
import type { CliIo } from './io.js';

/** An extra `opsfn` subcommand contributed by a function (e.g. `release-pin`). */
export interface CliCommand {
  name: string;
  usage: string;
  run(runtime: Runtime, args: string[], io: CliIo): Promise<number>;
}
