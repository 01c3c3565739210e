export * from './command.js';
export * from './demo-estate.js';
export * from './exit-codes.js';
export * from './format.js';
export * from './invoke-cmd.js';
export * from './io.js';
export * from './main.js';
