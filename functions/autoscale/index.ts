export * from './config.js';
export * from './decide.js';
export * from './deps.js';
export * from './handler.js';
export * from './input.js';
export * from './knob.js';
export * from './state-keys.js';
