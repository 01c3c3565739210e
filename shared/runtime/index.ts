export * from './context.js';
export * from './define-function.js';
export * from './invoke.js';
export * from './secrets.js';
export * from './types.js';
