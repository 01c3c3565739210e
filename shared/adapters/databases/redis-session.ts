import { parseRedisUrl } from '../../core/config/index.js';
import { DependencyError, errorMessage } from '../../core/errors/index.js';
import { RespClient, type RespCommand, type RespReply } from '../../core/state/index.js';

/** One Redis connection a check or a restore test sends its commands on. */
export interface RedisSession {
  /** Sends one command; an error reply rejects with `RedisReplyError`. */
  send(command: RespCommand): Promise<RespReply>;
}

/**
 * Runs `fn` on one fresh connection to `url` (the state store's own client: no offline queue, no retries,
 * connecting and every command bounded by `timeoutMs`) and closes it. Any failure becomes a DependencyError
 * naming the host and the reason, never the password; when `signal` aborts, the connection is dropped at once.
 */
export async function withRedis<T>(
  url: string,
  timeoutMs: number,
  fn: (session: RedisSession) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const endpoint = parseRedisUrl(url, 'url');
  // host:port for messages, never the credentials.
  const where = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
  const client = new RespClient({
    ...endpoint,
    name: 'opsfn-check',
    connectTimeoutMs: timeoutMs,
    commandTimeoutMs: timeoutMs,
  });
  const drop = () => client.destroy(new Error('aborted'));
  signal?.addEventListener('abort', drop, { once: true });
  try {
    return await fn({ send: (command) => client.send(command) });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new DependencyError(`Redis ${where}: ${errorMessage(cause)}`, { cause });
  } finally {
    signal?.removeEventListener('abort', drop);
    await client.close();
  }
}
