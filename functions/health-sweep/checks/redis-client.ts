import { type RedisSession, withRedis as withRedisSession } from '../../../shared/adapters/databases/index.js';

/** Runs `fn` on one fresh, bounded Redis connection that the check's deadline drops. */
export function withRedis<T>(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  fn: (redis: RedisSession) => Promise<T>,
): Promise<T> {
  return withRedisSession(url, timeoutMs, fn, signal);
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
