export * from './ops-error.js';
