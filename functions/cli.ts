import { main } from '../shared/host/cli/index.js';
import { cliCatalogue } from './catalogue.js';
import { registry } from './registry.js';

/** The `opsfn` binary: the shared CLI over the registry; each command loads only the functions it runs. */
export function run(argv: string[]): Promise<number> {
  // The demo is loaded only for `serve --demo`, so every other command starts without its fakes.
  const demo = async (dir: string) => (await import('../demo/index.js')).startDemo(dir);
  return main(argv, { catalogue: cliCatalogue(registry), demo });
}
