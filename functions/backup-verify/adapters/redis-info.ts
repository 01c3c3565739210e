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
  // ioredis rejects with a bare "Connection is closed"; the socket error says why.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    return await client.info('persistence');
  } catch (cause) {
    const where = safeUrl(url);
    const reason = lastError?.message ?? (cause instanceof Error ? cause.message : String(cause));
    throw new DependencyError(`Redis ${where}: ${reason}`, { cause: lastError ?? cause });
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
