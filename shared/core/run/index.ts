export * from './define-function.js';
export * from './payload.js';
export * from './result-bounds.js';
export * from './types.js';
