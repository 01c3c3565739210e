import { setTimeout as delay } from 'node:timers/promises';
import { withRedis } from '../../../shared/adapters/databases/index.js';
import { replyText } from '../../../shared/core/state/index.js';

/** How long apart the two `INFO replication` samples of a primary with replicas are taken. */
export const RESAMPLE_MS = 1_000;

/**
 * Runs `INFO persistence` and `INFO replication` (one section per call, as Redis 6 and Memorystore take it) on a
 * Redis URL with one bounded connection, and closes it; nothing Memorystore blocks is sent. With `resample`, a
 * primary with replicas is asked for `INFO replication` again {@link RESAMPLE_MS} later, its fields written
 * `later_<field>` with `later_elapsed_ms`: the primary's write rate between the two tells how far behind in time a
 * replica's offset is (INFO's own `lag` is only the seconds since the replica last acknowledged).
 */
export function readPersistenceInfo(url: string, timeoutMs: number, resample = false): Promise<string> {
  return withRedis(url, timeoutMs, async (redis) => {
    const persistence = replyText(await redis.send(['INFO', 'persistence']));
    const replication = replyText(await redis.send(['INFO', 'replication'])) ?? '';
    const started = performance.now();
    if (!resample || !/^role:master/m.test(replication) || /^connected_slaves:0/m.test(replication)) {
      return `${persistence ?? ''}\r\n${replication}`;
    }
    await delay(RESAMPLE_MS);
    const later = replyText(await redis.send(['INFO', 'replication'])) ?? '';
    const elapsed = Math.round(performance.now() - started);
    const prefixed = later
      .split(/\r?\n/)
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => `later_${line}`);
    return [persistence ?? '', replication, ...prefixed, `later_elapsed_ms:${elapsed}`].join('\r\n');
  });
}
