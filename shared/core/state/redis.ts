import { randomUUID } from 'node:crypto';
import { parseRedisUrl, redactRedisUrl } from '../config/index.js';
import type { OpsError } from '../errors/index.js';
import {
  checkBudget,
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
import { DEFAULT_REDIS_TIMEOUTS, RedisConnection, type RedisTimeouts } from './redis-connection.js';
import {
  ADD_MEMBER_SCRIPT,
  CLAIM_SCRIPT,
  HIT_SCRIPT,
  PUSH_SCRIPT,
  runScript,
  SPEND_SCRIPT,
  UNLOCK_SCRIPT,
} from './redis-scripts.js';
import { RespClient } from './resp-client.js';
import { replyArray as array, replyInteger as integer, replyText as text } from './resp-reader.js';
import type { Claim, StateStore } from './state-store.js';

/** Options of the Redis state store. */
/** How long a lock whose answer was lost waits between attempts at releasing it. */
const RELEASE_RETRY_MS = 1_000;

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
 * The state store on Redis (its own small client, `resp-client.ts`): claims with SET NX PX, locks with owner tokens released by
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
    const endpoint = parseRedisUrl(options.url);
    const client = new RespClient({
      ...endpoint,
      ...timeouts,
      name: options.connectionName ?? 'opsfn',
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    const connection = new RedisConnection(client, redactRedisUrl(options.url));
    return new RedisStateStore(connection, options.prefix, options.token ?? randomUUID);
  }

  async claim<T = unknown>(key: string, ttlMs: number): Promise<Claim<T>> {
    const k = checkKey('claim', key);
    const ttl = checkMs('claim', 'ttlMs', ttlMs);
    const [won, held] = await this.#connection.run('claim', k, async (send) => {
      const [flag, value] = array(await runScript(send, CLAIM_SCRIPT, [this.#full(k)], [RUNNING_CLAIM, String(ttl)]));
      return [integer(flag ?? null), text(value ?? null)] as const;
    });
    if (won === 1) return { claimed: true };
    return decodeClaim<T>(k, held ?? '');
  }

  async complete(key: string, outcome: unknown, ttlMs: number): Promise<void> {
    const k = checkKey('complete', key);
    const ttl = checkMs('complete', 'ttlMs', ttlMs);
    const value = encodeDone(k, outcome);
    await this.#connection.send('complete', k, ['SET', this.#full(k), value, 'PX', ttl]);
  }

  async unclaim(key: string): Promise<void> {
    await this.delete(checkKey('unclaim', key));
  }

  async lock(key: string, ttlMs: number): Promise<string | undefined> {
    const k = checkKey('lock', key);
    const ttl = checkMs('lock', 'ttlMs', ttlMs);
    const token = this.#token();
    try {
      const reply = await this.#connection.send('lock', k, ['SET', this.#full(k), token, 'PX', ttl, 'NX']);
      return reply === 'OK' ? token : undefined;
    } catch (error) {
      // A SET Redis ran after the client stopped waiting (a timeout while a script held the server) would hold the
      // lock for its whole ttl under a token nobody has: the token is released, best effort, a few times over.
      if ((error as OpsError).retryable) this.#releaseLater(k, token);
      throw error;
    }
  }

  /** Unlocks `key` held by `token` in the background, at once and twice more as the server comes back. */
  #releaseLater(key: string, token: string): void {
    const attempt = (left: number) => {
      this.unlock(key, token).then(
        () => undefined,
        () => {
          if (left > 0) setTimeout(() => attempt(left - 1), RELEASE_RETRY_MS);
        },
      );
    };
    attempt(2);
  }

  async unlock(key: string, token: string): Promise<boolean> {
    const k = checkKey('unlock', key);
    if (typeof token !== 'string' || token === '') return false;
    const reply = await this.#connection.run('unlock', k, (send) =>
      runScript(send, UNLOCK_SCRIPT, [this.#full(k)], [token]),
    );
    return reply === 1;
  }

  async setCooldown(key: string, ttlMs: number): Promise<void> {
    const k = checkKey('setCooldown', key);
    const ttl = checkMs('setCooldown', 'ttlMs', ttlMs);
    await this.#connection.send('setCooldown', k, ['SET', this.#full(k), '1', 'PX', ttl]);
  }

  async cooldownLeft(key: string): Promise<number> {
    const k = checkKey('cooldownLeft', key);
    // PTTL answers -2 for a missing key and -1 for one without expiry; neither is a cooldown.
    const left = await this.#connection.read('cooldownLeft', k, ['PTTL', this.#full(k)], integer);
    return Math.max(0, left);
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = checkKey('hit', key);
    const window = checkMs('hit', 'windowMs', windowMs);
    const at = checkTimestamp('hit', nowMs);
    // A unique member per event: ZADD with a repeated member would only move it, not count it.
    const member = `${at}:${randomUUID()}`;
    const args = [String(at), String(at - window), member, String(window)];
    return await this.#connection.run('hit', k, async (send) =>
      integer(await runScript(send, HIT_SCRIPT, [this.#full(k)], args)),
    );
  }

  async count(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = checkKey('count', key);
    const window = checkMs('count', 'windowMs', windowMs);
    const at = checkTimestamp('count', nowMs);
    return await this.#connection.read('count', k, ['ZCOUNT', this.#full(k), `(${at - window}`, '+inf'], integer);
  }

  async spend(key: string, windowMs: number, nowMs: number, max: number): Promise<string | undefined> {
    const k = checkKey('spend', key);
    const window = checkMs('spend', 'windowMs', windowMs);
    const at = checkTimestamp('spend', nowMs);
    const member = `${at}:${randomUUID()}`;
    const args = [String(at), String(at - window), member, String(window), String(checkBudget('spend', max))];
    const spent = await this.#connection.run('spend', k, async (send) =>
      integer(await runScript(send, SPEND_SCRIPT, [this.#full(k)], args)),
    );
    return spent === 1 ? member : undefined;
  }

  async refund(key: string, id: string): Promise<void> {
    const k = checkKey('refund', key);
    await this.#connection.send('refund', k, ['ZREM', this.#full(k), checkKey('refund', id)]);
  }

  async addMember(key: string, member: string, ttlMs: number): Promise<{ added: boolean; size: number }> {
    const k = checkKey('addMember', key);
    const m = checkKey('addMember', member);
    const ttl = checkMs('addMember', 'ttlMs', ttlMs);
    return await this.#connection.run('addMember', k, async (send) => {
      const [added, size] = array(await runScript(send, ADD_MEMBER_SCRIPT, [this.#full(k)], [m, String(ttl)]));
      return { added: integer(added ?? null) === 1, size: integer(size ?? null) };
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const k = checkKey('get', key);
    const found = await this.#connection.read('get', k, ['GET', this.#full(k)], text);
    return found === null ? undefined : decodeJson<T>(k, found);
  }

  async put(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const k = checkKey('put', key);
    const ttl = ttlMs === undefined ? undefined : checkMs('put', 'ttlMs', ttlMs);
    const json = encodeJson('put', k, value);
    const expiry = ttl === undefined ? [] : ['PX', ttl];
    await this.#connection.send('put', k, ['SET', this.#full(k), json, ...expiry]);
  }

  async push(key: string, value: unknown, max: number, ttlMs?: number): Promise<void> {
    const k = checkKey('push', key);
    const limit = checkMax('push', max);
    const ttl = ttlMs === undefined ? '' : String(checkMs('push', 'ttlMs', ttlMs));
    const json = encodeJson('push', k, value);
    await this.#connection.run('push', k, (send) =>
      runScript(send, PUSH_SCRIPT, [this.#full(k)], [json, String(limit), ttl]),
    );
  }

  async list<T = unknown>(key: string, limit?: number): Promise<T[]> {
    const k = checkKey('list', key);
    const last = limit === undefined ? -1 : checkMax('list', limit) - 1;
    const texts = await this.#connection.read('list', k, ['LRANGE', this.#full(k), 0, last], (reply) =>
      array(reply).map((entry) => text(entry) ?? ''),
    );
    return texts.map((entry) => decodeJson<T>(k, entry));
  }

  async delete(key: string): Promise<void> {
    const k = checkKey('delete', key);
    await this.#connection.send('delete', k, ['DEL', this.#full(k)]);
  }

  async keys(prefix: string): Promise<string[]> {
    const pattern = `${escapeGlob(this.#prefix + prefix)}*`;
    const found = new Set<string>();
    // SCAN, never KEYS: KEYS blocks a shared Redis for the whole keyspace walk.
    await this.#connection.run('keys', prefix, async (send) => {
      let cursor = '0';
      do {
        const [next, batch] = array(await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH]));
        for (const full of array(batch ?? null)) found.add((text(full) ?? '').slice(this.#prefix.length));
        cursor = text(next ?? null) ?? '0';
      } while (cursor !== '0');
    });
    return [...found].sort();
  }

  async ping(): Promise<void> {
    await this.#connection.send('ping', '', ['PING']);
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
