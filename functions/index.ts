import { registerFunctions } from '../shared/host/runtime/index.js';
import { loadCatalogue } from './catalogue.js';
import { registry } from './registry.js';

// The composition root of a deployed instance: every function, one runtime built on the first request from OPSFN_CONFIG.
const { functions, estate } = await loadCatalogue(registry);
registerFunctions(functions, { estate });
