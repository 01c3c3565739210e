import type { Redis } from 'ioredis';
import { DependencyError, errorMessage } from '../../core/errors/index.js';

/** `host:port` of a Redis URL, without credentials, for messages. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return '(malformed URL)';
  }
}

/**
 * Runs `fn` on one fresh ioredis connection to `url` (loaded on first use; no offline queue, no retries, every
 * command bounded by `timeoutMs`) and closes it. A connection error becomes a DependencyError naming the host
 * and the socket's own reason, never the password; when `signal` aborts, the connection is dropped at once.
 */
export async function withRedis<T>(
  url: string,
  timeoutMs: number,
  fn: (client: Redis) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects with a bare "Connection is closed"; the socket error says why.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  const drop = () => client.disconnect();
  signal?.addEventListener('abort', drop, { once: true });
  try {
    await client.connect();
    return await fn(client);
  } catch (cause) {
    if (signal?.aborted) throw cause;
    const reason = lastError?.message ?? errorMessage(cause);
    throw new DependencyError(`Redis ${hostOf(url)}: ${reason}`, { cause: lastError ?? cause });
  } finally {
    signal?.removeEventListener('abort', drop);
    client.disconnect();
  }
}
