import { DependencyError, errorMessage, OpsError } from '../errors/index.js';
import type { RespClient, RespCommand } from './resp-client.js';
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

/**
 * Error replies of a server that cannot serve now but will soon (redis.io error prefixes): still loading its
 * dataset after a restart, a replica where a failover left the address pointing (`READONLY`), a replica cut
 * off from its primary, a long script, a cluster resharding, every client slot taken (sent at connect, then
 * the server hangs up). A retry, on a new connection, may succeed.
 */
const RECONNECT_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN)\b|^ERR max number of clients reached/;

/**
 * Error replies refusing a write for a state of the server that passes (memory full up to `maxmemory`, snapshots
 * failing to persist, too few replicas in sync): retryable, on the same connection, which stays good.
 */
const REFUSED_FOR_NOW = /^(OOM|MISCONF|NOREPLICAS)\b/;

/**
 * The error a script's own call got, as Redis before 7.0 words it inside its wrapper (`ERR Error running script
 * (call to f_…): @user_script:2: -READONLY You can't write…`); Redis 7 returns it as is (7.0-RC2 notes, #10218).
 */
function scriptError(message: string): string {
  const inner = /^ERR Error running script \(call to [^)]*\):.*?-([A-Z]+ .*)$/s.exec(message);
  return inner?.[1] ?? message;
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

  /** Sends one command and reads its reply with `as` (`replyInteger`…), wrapping a reply of the wrong kind too. */
  async read<T>(op: string, key: string, command: RespCommand, as: (reply: RespReply) => T): Promise<T> {
    return await this.run(op, key, async (send) => as(await send(command)));
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
    const message = scriptError(errorMessage(error));
    const what = key === '' ? op : `${op} "${key}"`;
    const reconnect = RECONNECT_REPLY.test(message);
    if (error instanceof RedisReplyError && (reconnect || REFUSED_FOR_NOW.test(message))) {
      // After a failover the same address may lead to the new primary; this connection still reaches the old one.
      if (reconnect) this.#client.reset(error);
      return new DependencyError(`state store unavailable: ${what} on ${this.#target}: ${message}`, {
        cause: error,
        details: { store: this.#target },
      });
    }
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
