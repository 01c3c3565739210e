export * from './assertions.js';
export * from './connection.js';
export * from './drivers.js';
export * from './errors.js';
export * from './ownership-filter.js';
export * from './restore.js';
export * from './row-count.js';
export * from './scratch.js';
