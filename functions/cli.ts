import { main } from '../shared/host/cli/index.js';
import { commands, functions } from './registry.js';

/** The `opsfn` binary: the shared CLI with every function and its extra commands. */
export async function run(argv: string[]): Promise<number> {
  // Loaded only for `serve --demo`, so every other command starts without the demo's fakes.
  return main(argv, { functions, commands, demo: async (dir) => (await import('../demo/index.js')).startDemo(dir) });
}
