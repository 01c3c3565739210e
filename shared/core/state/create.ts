import { redisUrlProblem, type SecretRef, type StateConfig } from '../config/index.js';
import { BadInputError } from '../errors/index.js';
import { MemoryStateStore } from './memory.js';
import { RedisStateStore } from './redis.js';
import type { RedisTimeouts } from './redis-connection.js';
import type { StateStore } from './state-store.js';

/** What `createStateStore` needs besides the config. */
export interface CreateStateStoreOptions extends RedisTimeouts {
  /** Resolves a secret reference (env var or Secret Manager version) to its value. */
  secret: (ref: SecretRef) => Promise<string>;
  /** Clock of the memory store, in epoch milliseconds. */
  now?: () => number;
  /** Where `OPSFN_REDIS_CA` (PEM of the CA of a `rediss://` server, such as Memorystore's) is read; default the process's. */
  env?: NodeJS.ProcessEnv;
}

const REDIS_URL = /^rediss?:\/\/[^/?#]/;

/**
 * Builds the state store the estate config asks for: `'memory'` or `{ redis, prefix }`, where the
 * URL may be a secret reference, verified over TLS against `OPSFN_REDIS_CA` when that is set. The
 * Redis client connects on first use, not here.
 * @example
 * const state = await createStateStore(estate.state, { secret: resolveSecret });
 */
export async function createStateStore(config: StateConfig, options: CreateStateStoreOptions): Promise<StateStore> {
  if (config === 'memory') {
    return new MemoryStateStore(options.now === undefined ? {} : { now: options.now });
  }
  const url = typeof config.redis === 'string' ? config.redis : await options.secret(config.redis);
  // The value may be a secret holding a password: name where it came from, never echo it.
  const source = typeof config.redis === 'string' ? 'the config' : `secret ${describeRef(config.redis)}`;
  if (typeof url !== 'string' || !REDIS_URL.test(url.trim())) {
    throw new BadInputError(`state.redis: expected a redis:// or rediss:// URL from ${source}`);
  }
  // The config's own URL was checked when it was read; one from a secret is checked here, the same way.
  const problem = redisUrlProblem(url.trim());
  if (problem !== undefined) throw new BadInputError(`state.redis: ${problem} (from ${source})`);
  const ca = (options.env ?? process.env).OPSFN_REDIS_CA?.trim() || undefined;
  if (ca !== undefined && !url.trim().startsWith('rediss://')) {
    throw new BadInputError('OPSFN_REDIS_CA is set but state.redis is a redis:// URL: use rediss:// so the CA is used');
  }
  return await RedisStateStore.open({
    url: url.trim(),
    prefix: config.prefix,
    ...(ca === undefined ? {} : { ca }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
  });
}

function describeRef(ref: SecretRef): string {
  return 'env' in ref ? `env ${ref.env}` : ref.secret;
}
