import type { Redis } from 'ioredis';
import { DependencyError, errorMessage, OpsError } from '../errors/index.js';

const COMMAND_TIMED_OUT = 'Command timed out';

/** How long the Redis adapter waits before it calls the store unavailable. */
export interface RedisTimeouts {
  /** TCP connect plus handshake, in ms. */
  connectTimeoutMs?: number;
  /** One command, in ms. */
  commandTimeoutMs?: number;
}

/** Default bounds: an ops run must learn quickly that its state store is gone, not hang on it. */
export const DEFAULT_REDIS_TIMEOUTS = { connectTimeoutMs: 1_000, commandTimeoutMs: 1_000 } as const;

/** The host and port of a Redis URL without its credentials, safe for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis://(unparseable URL)';
  }
}

/**
 * Loads ioredis and returns a maker of clients that never queue, never retry on their own and connect only
 * when asked. A `rediss://` URL verifies the server against `ca` (PEM) when given, else the system CAs.
 */
export async function redisClientFactory(
  url: string,
  timeouts: Required<RedisTimeouts>,
  connectionName: string,
  ca?: string,
): Promise<() => Redis> {
  const { Redis } = await import('ioredis');
  const tls = ca !== undefined && /^rediss:/i.test(url) ? { tls: { ca } } : {};
  return () =>
    new Redis(url, {
      ...tls,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Reconnects happen on the next call (see RedisConnection.ready), each bounded by connectTimeoutMs,
      // so no background timer keeps retrying or keeps the process alive.
      retryStrategy: () => null,
      connectTimeout: timeouts.connectTimeoutMs,
      commandTimeout: timeouts.commandTimeoutMs,
      // A hung server never closes its side; destroy the socket soon instead of after the 2 s default.
      disconnectTimeout: timeouts.connectTimeoutMs,
      connectionName,
    });
}

/**
 * Owns one ioredis client at a time: connects on demand with a hard deadline, replaces a client
 * whose connect failed, and turns every client error into one `DependencyError` naming the
 * operation and the key.
 */
export class RedisConnection {
  readonly #open: () => Redis;
  #client: Redis;
  readonly #target: string;
  readonly #connectTimeoutMs: number;
  #connecting: Promise<void> | undefined;
  #lastError: Error | undefined;
  #closed = false;

  constructor(open: () => Redis, target: string, connectTimeoutMs: number) {
    this.#open = open;
    this.#target = target;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#client = this.#fresh();
  }

  /** Runs one operation against a connected client, wrapping whatever it throws. */
  async run<T>(op: string, key: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DependencyError(`state store is closed (${op})`, { retryable: false });
    let client: Redis | undefined;
    try {
      await this.#ready();
      client = this.#client;
      return await fn(client);
    } catch (error) {
      if (client && error instanceof Error && error.message === COMMAND_TIMED_OUT) this.#retire(client);
      throw this.#wrap(op, key, error);
    }
  }

  /** Closes the client: politely when connected, at once otherwise; never hangs. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.status === 'ready') {
      const quit = this.#client.quit().catch(() => undefined);
      await withDeadline(quit, this.#connectTimeoutMs, 'quit').catch(() => undefined);
    }
    this.#client.disconnect();
  }

  async #ready(): Promise<void> {
    if (this.#client.status === 'ready') return;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    await this.#connecting;
  }

  #retire(client: Redis): void {
    if (this.#closed || this.#client !== client) return;
    // A command that timed out may sit on a socket TCP has not yet noticed is dead; the next call
    // starts over on a new connection instead of timing out on this one forever.
    client.disconnect();
    this.#client = this.#fresh();
  }

  #fresh(): Redis {
    const client = this.#open();
    // Failures reach callers through their command promises; the event only keeps the detail.
    client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    return client;
  }

  async #connect(): Promise<void> {
    // A client that closed or failed to connect may be stuck half-open; start over with a new one.
    if (this.#client.status !== 'wait') {
      this.#client.disconnect();
      this.#client = this.#fresh();
    }
    try {
      // ioredis bounds only the TCP connect; a server that accepts and never answers would stall
      // the handshake forever, so the whole connect gets one deadline.
      const connecting = this.#client.connect();
      // After the deadline the late rejection of ioredis' own promise has nobody left to hear it.
      connecting.catch(() => undefined);
      await withDeadline(connecting, this.#connectTimeoutMs, 'connect');
      this.#lastError = undefined;
    } catch (error) {
      this.#client.disconnect();
      throw error;
    }
  }

  #wrap(op: string, key: string, error: unknown): OpsError {
    if (error instanceof OpsError) return error;
    const message = errorMessage(error);
    const what = key === '' ? op : `${op} "${key}"`;
    // A reply error means Redis answered and refused (wrong type, script error): retrying will not help.
    if (error instanceof Error && error.name === 'ReplyError') {
      return new DependencyError(`state store error: ${what}: ${message}`, {
        cause: error,
        retryable: false,
        details: { store: this.#target },
      });
    }
    const last = this.#lastError && this.#lastError.message !== message ? ` (${this.#lastError.message})` : '';
    return new DependencyError(`state store unavailable: ${what} on ${this.#target}: ${message}${last}`, {
      cause: error,
      details: { store: this.#target },
    });
  }
}

/** Rejects with a timeout error when `promise` has not settled after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
