import { DependencyError } from '../../../shared/errors/ops-error.js';

/** Runs `INFO persistence` on a Redis URL with one bounded connection, and closes it. */
export async function readPersistenceInfo(url: string, timeoutMs: number): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.info('persistence');
  } catch (cause) {
    const where = safeUrl(url);
    throw new DependencyError(`Redis ${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  } finally {
    client.disconnect();
  }
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return '(malformed URL)';
  }
}
