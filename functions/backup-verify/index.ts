export * from './config.js';
export * from './deps.js';
export * from './handler.js';
export * from './input.js';
export * from './sweep-command.js';
