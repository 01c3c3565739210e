export * from './http-status.js';
export * from './ops-error.js';
