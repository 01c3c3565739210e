import { withRedis } from '../../../shared/adapters/databases/index.js';
import { replyText } from '../../../shared/core/state/index.js';

/**
 * Runs `INFO persistence` and `INFO replication` (one section per call, as Redis 6 and Memorystore take it) on a
 * Redis URL with one bounded connection, and closes it; nothing Memorystore blocks is sent.
 */
export function readPersistenceInfo(url: string, timeoutMs: number): Promise<string> {
  return withRedis(url, timeoutMs, async (redis) => {
    const persistence = replyText(await redis.send(['INFO', 'persistence']));
    const replication = replyText(await redis.send(['INFO', 'replication']));
    return `${persistence ?? ''}\r\n${replication ?? ''}`;
  });
}
