import { main } from '../shared/host/cli/index.js';
import { commands, functions } from './registry.js';

/** The `opsfn` binary: the shared CLI with every function and its extra commands. */
export async function run(argv: string[]): Promise<number> {
  return main(argv, { functions, commands });
}
