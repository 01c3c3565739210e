import { BadInputError, DependencyError, errorMessage, OpsError } from '../errors/index.js';
import type { RedisEndpoint, RespClient, RespCommand } from './resp-client.js';
import { RedisReplyError, RespProtocolError, type RespReply } from './resp-reader.js';

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
 * Reads a `redis://` or `rediss://` URL: `[user][:password]@host[:port][/db]`, credentials
 * percent-decoded. Anything else it could carry (query parameters, a fragment) is refused rather
 * than ignored, and no message repeats the password.
 */
export function parseRedisUrl(url: string): RedisEndpoint {
  const safe = redactRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadInputError(`state.redis: ${safe} is not a URL`);
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:')
    throw new BadInputError(`state.redis: ${safe} is not a redis:// or rediss:// URL`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new BadInputError(`state.redis: ${safe} names no host`);
  const db = /^\/?$/.test(parsed.pathname) ? '0' : /^\/(\d{1,5})$/.exec(parsed.pathname)?.[1];
  if (db === undefined) throw new BadInputError(`state.redis: ${safe}: the path must be a database number, as /0`);
  if (parsed.search !== '' || parsed.hash !== '') {
    const names = [...parsed.searchParams.keys()].join(', ') || parsed.hash;
    throw new BadInputError(`state.redis: ${safe}: options in the URL are not supported (${names})`);
  }
  return {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls,
    db: Number(db),
    ...(parsed.username === '' ? {} : { username: decodeCredential(parsed.username, 'user name', safe) }),
    ...(parsed.password === '' ? {} : { password: decodeCredential(parsed.password, 'password', safe) }),
  };
}

function decodeCredential(text: string, what: string, safe: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadInputError(`state.redis: ${safe}: the ${what} is not percent-encoded correctly`);
  }
}

/** Runs the state store's commands on one `RespClient` and words each failure as one `DependencyError`. */
export class RedisConnection {
  readonly #client: RespClient;
  readonly #target: string;
  #closed = false;

  constructor(client: RespClient, target: string) {
    this.#client = client;
    this.#target = target;
  }

  /** Sends one command for the operation `op` on `key`, wrapping whatever it throws. */
  async send(op: string, key: string, command: RespCommand): Promise<RespReply> {
    return await this.run(op, key, (send) => send(command));
  }

  /** Runs several commands for one operation, wrapping whatever they throw. */
  async run<T>(
    op: string,
    key: string,
    fn: (send: (command: RespCommand) => Promise<RespReply>) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new DependencyError(`state store is closed (${op})`, { retryable: false });
    try {
      return await fn((command) => this.#client.send(command));
    } catch (error) {
      throw this.#wrap(op, key, error);
    }
  }

  /** Closes the connection: after the commands in flight when connected, at once otherwise; never hangs. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  #wrap(op: string, key: string, error: unknown): OpsError {
    if (error instanceof OpsError) return error;
    const message = errorMessage(error);
    const what = key === '' ? op : `${op} "${key}"`;
    // Redis answered and refused (wrong type, script error, wrong password), or the peer is not Redis:
    // retrying will not help.
    if (error instanceof RedisReplyError || error instanceof RespProtocolError) {
      const where = error instanceof RespProtocolError ? ` on ${this.#target}` : '';
      return new DependencyError(`state store error: ${what}${where}: ${message}`, {
        cause: error,
        retryable: false,
        details: { store: this.#target },
      });
    }
    return new DependencyError(`state store unavailable: ${what} on ${this.#target}: ${message}`, {
      cause: error,
      details: { store: this.#target },
    });
  }
}
