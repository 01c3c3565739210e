import { withRedis } from '../../../shared/adapters/databases/index.js';

/**
 * Runs `INFO persistence` and `INFO replication` (one section per call, as Redis 6 and Memorystore take it) on a
 * Redis URL with one bounded connection, and closes it; nothing Memorystore blocks is sent.
 */
export function readPersistenceInfo(url: string, timeoutMs: number): Promise<string> {
  return withRedis(
    url,
    timeoutMs,
    async (client) => `${await client.info('persistence')}\r\n${await client.info('replication')}`,
  );
}
