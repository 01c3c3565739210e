import { loadCatalogue } from '../../functions/catalogue.js';
import { registry } from '../../functions/registry.js';

/** Every registered function loaded, as the CLI and a deployed instance load them. */
export const { functions, commands, estate } = await loadCatalogue(registry);
