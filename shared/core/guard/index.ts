export * from './act.js';
export * from './freeze.js';
export * from './guard.js';
export * from './guardrails.js';
export * from './keys.js';
export * from './pause-file.js';
