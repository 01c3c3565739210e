import { registerFunctions } from '../shared/host/runtime/index.js';
import { functions } from './registry.js';

// The composition root of a deployed instance: every function, one runtime built on the first request from OPSFN_CONFIG.
registerFunctions(functions);
