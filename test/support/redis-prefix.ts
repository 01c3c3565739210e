import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared test Redis server. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix of one test file on the shared Redis, with a raw view of what is stored under it. */
export interface RedisPrefix {
  prefix: string;
  /** Every string value under the prefix, by key (locks, records, claims). */
  values(): Promise<Record<string, string>>;
  /** Deletes every key under the prefix. */
  drop(): Promise<void>;
}

async function scan(admin: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A fresh prefix `opsfn-test:<what>:<uuid>:` that other test runs never share. */
export function redisPrefix(what: string): RedisPrefix {
  const prefix = `opsfn-test:${what}:${randomUUID()}:`;
  const withAdmin = async <T>(use: (admin: Redis) => Promise<T>): Promise<T> => {
    const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      return await use(admin);
    } finally {
      admin.disconnect();
    }
  };
  return {
    prefix,
    values: () =>
      withAdmin(async (admin) => {
        const out: Record<string, string> = {};
        for (const key of await scan(admin, `${prefix}*`)) {
          if ((await admin.type(key)) === 'string') out[key] = (await admin.get(key)) ?? '';
        }
        return out;
      }),
    drop: () =>
      withAdmin(async (admin) => {
        const keys = await scan(admin, `${prefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      }),
  };
}
