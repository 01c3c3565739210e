import { main } from '../shared/host/cli/index.js';
import { loadCatalogue } from './catalogue.js';
import { registry } from './registry.js';

/** The `opsfn` binary: the shared CLI with every function, its `invoke` flags, its extra commands and its config. */
export async function run(argv: string[]): Promise<number> {
  // The demo is loaded only for `serve --demo`, so every other command starts without its fakes.
  const demo = async (dir: string) => (await import('../demo/index.js')).startDemo(dir);
  return main(argv, { ...(await loadCatalogue(registry)), demo });
}
