export * from './deadline.js';
export * from './define-function.js';
export * from './fanout.js';
export * from './fanout-types.js';
export * from './jobs.js';
export * from './payload.js';
export * from './result-bounds.js';
export * from './types.js';
