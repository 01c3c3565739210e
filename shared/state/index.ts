export * from './create.js';
export { MAX_KEY_LENGTH, MAX_RECORD_BYTES } from './encoding.js';
export * from './memory.js';
export * from './redis.js';
export { DEFAULT_REDIS_TIMEOUTS, type RedisTimeouts, redactRedisUrl } from './redis-connection.js';
export * from './state-store.js';
