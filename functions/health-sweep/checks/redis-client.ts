import type { Redis } from 'ioredis';
import { DependencyError } from '../../../shared/errors/ops-error.js';
import { redactRedisUrl } from '../../../shared/state/redis-connection.js';
import { closeOnAbort } from './abort.js';

/**
 * Runs `fn` on one fresh ioredis connection to `url` (no queue, no retries, every command bounded by
 * `timeoutMs`) and closes it; a connection error names the host, never the password.
 */
export async function withRedis<T>(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  fn: (client: Redis) => Promise<T>,
): Promise<T> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'opsfn-health-sweep',
  });
  // ioredis rejects with a bare "Connection is closed"; the socket error says why.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  const detach = closeOnAbort(signal, () => client.disconnect());
  try {
    await client.connect();
    return await fn(client);
  } catch (cause) {
    if (signal.aborted) throw cause;
    const reason = lastError?.message ?? (cause instanceof Error ? cause.message : String(cause));
    throw new DependencyError(`Redis ${redactRedisUrl(url)}: ${reason}`, { cause: lastError ?? cause });
  } finally {
    detach();
    client.disconnect();
  }
}

/** The `key:value` lines of an `INFO` section as a map. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}
