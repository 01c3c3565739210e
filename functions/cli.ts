import { main } from '../shared/host/cli/index.js';
import { loadCatalogue } from './catalogue.js';
import { registry } from './registry.js';

/** The `opsfn` binary: the shared CLI with every function, its `invoke` flags, its extra commands and its config. */
export async function run(argv: string[]): Promise<number> {
  return main(argv, await loadCatalogue(registry));
}
