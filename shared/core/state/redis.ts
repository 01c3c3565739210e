import { randomUUID } from 'node:crypto';
import {
  checkKey,
  checkMax,
  checkMs,
  checkTimestamp,
  decodeClaim,
  decodeJson,
  encodeDone,
  encodeJson,
  RUNNING_CLAIM,
} from './encoding.js';
import {
  DEFAULT_REDIS_TIMEOUTS,
  RedisConnection,
  type RedisTimeouts,
  redactRedisUrl,
  redisClientFactory,
} from './redis-connection.js';
import { ADD_MEMBER_SCRIPT, CLAIM_SCRIPT, HIT_SCRIPT, PUSH_SCRIPT, runScript, UNLOCK_SCRIPT } from './redis-scripts.js';
import type { Claim, StateStore } from './state-store.js';

/** Options of the Redis state store. */
export interface RedisStateStoreOptions extends RedisTimeouts {
  /** `redis://` or `rediss://` URL, credentials included. */
  url: string;
  /** Prepended to every key so several estates can share one Redis. */
  prefix: string;
  /** Shown in `CLIENT LIST` so operators can tell this connection apart. */
  connectionName?: string;
  /** Generator of lock owner tokens. */
  token?: () => string;
  /** PEM of the CA that signed a `rediss://` server's certificate (Memorystore's own CA); default the system CAs. */
  ca?: string;
}

const SCAN_BATCH = 500;

/**
 * The state store on Redis (ioredis): claims with SET NX PX, locks with owner tokens released by
 * compare-and-delete, cooldowns as PX marks, sliding windows as sorted sets, JSON records.
 * Fails fast with `DependencyError` when Redis is down or hangs; never queues commands offline.
 */
export class RedisStateStore implements StateStore {
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #token: () => string;

  private constructor(connection: RedisConnection, prefix: string, token: () => string) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#token = token;
  }

  /** Creates a store; nothing connects until the first call. */
  static async open(options: RedisStateStoreOptions): Promise<RedisStateStore> {
    const { connectTimeoutMs = DEFAULT_REDIS_TIMEOUTS.connectTimeoutMs } = options;
    const { commandTimeoutMs = DEFAULT_REDIS_TIMEOUTS.commandTimeoutMs } = options;
    const timeouts = {
      connectTimeoutMs: checkMs('open', 'connectTimeoutMs', connectTimeoutMs),
      commandTimeoutMs: checkMs('open', 'commandTimeoutMs', commandTimeoutMs),
    };
    const open = await redisClientFactory(options.url, timeouts, options.connectionName ?? 'opsfn', options.ca);
    const connection = new RedisConnection(open, redactRedisUrl(options.url), timeouts.connectTimeoutMs);
    return new RedisStateStore(connection, options.prefix, options.token ?? randomUUID);
  }

  async claim<T = unknown>(key: string, ttlMs: number): Promise<Claim<T>> {
    const k = checkKey('claim', key);
    const ttl = checkMs('claim', 'ttlMs', ttlMs);
    const reply = await this.#connection.run('claim', k, (c) =>
      runScript(c, CLAIM_SCRIPT, [this.#full(k)], [RUNNING_CLAIM, String(ttl)]),
    );
    const [won, held] = reply as [number, string | null];
    if (won === 1) return { claimed: true };
    return decodeClaim<T>(k, held ?? '');
  }

  async complete(key: string, outcome: unknown, ttlMs: number): Promise<void> {
    const k = checkKey('complete', key);
    const ttl = checkMs('complete', 'ttlMs', ttlMs);
    const value = encodeDone(k, outcome);
    await this.#connection.run('complete', k, (c) => c.set(this.#full(k), value, 'PX', ttl));
  }

  async unclaim(key: string): Promise<void> {
    await this.delete(checkKey('unclaim', key));
  }

  async lock(key: string, ttlMs: number): Promise<string | undefined> {
    const k = checkKey('lock', key);
    const ttl = checkMs('lock', 'ttlMs', ttlMs);
    const token = this.#token();
    const reply = await this.#connection.run('lock', k, (c) => c.set(this.#full(k), token, 'PX', ttl, 'NX'));
    return reply === 'OK' ? token : undefined;
  }

  async unlock(key: string, token: string): Promise<boolean> {
    const k = checkKey('unlock', key);
    if (typeof token !== 'string' || token === '') return false;
    const reply = await this.#connection.run('unlock', k, (c) => runScript(c, UNLOCK_SCRIPT, [this.#full(k)], [token]));
    return reply === 1;
  }

  async setCooldown(key: string, ttlMs: number): Promise<void> {
    const k = checkKey('setCooldown', key);
    const ttl = checkMs('setCooldown', 'ttlMs', ttlMs);
    await this.#connection.run('setCooldown', k, (c) => c.set(this.#full(k), '1', 'PX', ttl));
  }

  async cooldownLeft(key: string): Promise<number> {
    const k = checkKey('cooldownLeft', key);
    // PTTL answers -2 for a missing key and -1 for one without expiry; neither is a cooldown.
    const left = await this.#connection.run('cooldownLeft', k, (c) => c.pttl(this.#full(k)));
    return Math.max(0, left);
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = checkKey('hit', key);
    const window = checkMs('hit', 'windowMs', windowMs);
    const at = checkTimestamp('hit', nowMs);
    // A unique member per event: ZADD with a repeated member would only move it, not count it.
    const member = `${at}:${randomUUID()}`;
    const args = [String(at), String(at - window), member, String(window)];
    const reply = await this.#connection.run('hit', k, (c) => runScript(c, HIT_SCRIPT, [this.#full(k)], args));
    return Number(reply);
  }

  async count(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = checkKey('count', key);
    const window = checkMs('count', 'windowMs', windowMs);
    const at = checkTimestamp('count', nowMs);
    return await this.#connection.run('count', k, (c) => c.zcount(this.#full(k), `(${at - window}`, '+inf'));
  }

  async addMember(key: string, member: string, ttlMs: number): Promise<{ added: boolean; size: number }> {
    const k = checkKey('addMember', key);
    const m = checkKey('addMember', member);
    const ttl = checkMs('addMember', 'ttlMs', ttlMs);
    const reply = await this.#connection.run('addMember', k, (c) =>
      runScript(c, ADD_MEMBER_SCRIPT, [this.#full(k)], [m, String(ttl)]),
    );
    const [added, size] = reply as [number, number];
    return { added: added === 1, size: Number(size) };
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const k = checkKey('get', key);
    const text = await this.#connection.run('get', k, (c) => c.get(this.#full(k)));
    return text === null ? undefined : decodeJson<T>(k, text);
  }

  async put(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const k = checkKey('put', key);
    const ttl = ttlMs === undefined ? undefined : checkMs('put', 'ttlMs', ttlMs);
    const text = encodeJson('put', k, value);
    await this.#connection.run('put', k, (c) =>
      ttl === undefined ? c.set(this.#full(k), text) : c.set(this.#full(k), text, 'PX', ttl),
    );
  }

  async push(key: string, value: unknown, max: number, ttlMs?: number): Promise<void> {
    const k = checkKey('push', key);
    const limit = checkMax('push', max);
    const ttl = ttlMs === undefined ? '' : String(checkMs('push', 'ttlMs', ttlMs));
    const text = encodeJson('push', k, value);
    await this.#connection.run('push', k, (c) =>
      runScript(c, PUSH_SCRIPT, [this.#full(k)], [text, String(limit), ttl]),
    );
  }

  async list<T = unknown>(key: string, limit?: number): Promise<T[]> {
    const k = checkKey('list', key);
    const last = limit === undefined ? -1 : checkMax('list', limit) - 1;
    const texts = await this.#connection.run('list', k, (c) => c.lrange(this.#full(k), 0, last));
    return texts.map((text) => decodeJson<T>(k, text));
  }

  async delete(key: string): Promise<void> {
    const k = checkKey('delete', key);
    await this.#connection.run('delete', k, (c) => c.del(this.#full(k)));
  }

  async keys(prefix: string): Promise<string[]> {
    const pattern = `${escapeGlob(this.#prefix + prefix)}*`;
    const found = new Set<string>();
    // SCAN, never KEYS: KEYS blocks a shared Redis for the whole keyspace walk.
    await this.#connection.run('keys', prefix, async (c) => {
      let cursor = '0';
      do {
        const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
        for (const full of batch) found.add(full.slice(this.#prefix.length));
        cursor = next;
      } while (cursor !== '0');
    });
    return [...found].sort();
  }

  async ping(): Promise<void> {
    await this.#connection.run('ping', '', (c) => c.ping());
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  #full(key: string): string {
    return this.#prefix + key;
  }
}

/** Escapes Redis glob metacharacters so a prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]^]/g, '\\$&');
}
