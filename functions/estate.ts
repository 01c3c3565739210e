import { composeEstateSchema } from '../shared/core/config/index.js';
import { estateContext, loadSections } from './catalogue.js';
import { registry } from './registry.js';

export type { Estate, EstateInput } from '../shared/core/config/index.js';

/** The estate schema of every registered function, for code that parses an estate synchronously (tests, benches). */
export const EstateSchema = composeEstateSchema(await loadSections(registry), await estateContext(registry));
