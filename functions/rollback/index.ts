export * from './config.js';
export * from './decide.js';
export * from './deps.js';
export * from './handler.js';
export * from './input.js';
export * from './release-pin.js';
export * from './release-pin-command.js';
export * from './state-keys.js';
