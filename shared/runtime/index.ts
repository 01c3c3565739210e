export * from './define-function.js';
export * from './types.js';
