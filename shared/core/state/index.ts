export * from './create.js';
export * from './encoding.js';
export * from './memory.js';
export * from './redis.js';
export * from './redis-connection.js';
export * from './state-store.js';
