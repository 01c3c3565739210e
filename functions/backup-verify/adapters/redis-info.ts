import { withRedis } from '../../../shared/adapters/databases/index.js';

/** Runs `INFO persistence` on a Redis URL with one bounded connection, and closes it. */
export function readPersistenceInfo(url: string, timeoutMs: number): Promise<string> {
  return withRedis(url, timeoutMs, (client) => client.info('persistence'));
}
