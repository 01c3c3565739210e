export * from './doubles.js';
export * from './run-for-test.js';
export * from './triggers.js';
