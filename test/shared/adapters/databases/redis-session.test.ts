import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { withRedis } from '../../../../shared/adapters/databases/redis-session.js';
import { DependencyError } from '../../../../shared/core/errors/index.js';

const URL = 'redis://127.0.0.1:6379/13';

describe('withRedis', () => {
  it('runs the commands on one connection and closes it', async () => {
    const key = `opsfn-test:session:${randomUUID()}`;
    const reply = await withRedis(URL, 1_000, async (session) => {
      await session.send(['SET', key, 'v', 'PX', 10_000]);
      return await session.send(['GET', key]);
    });
    expect(reply).toBe('v');
  });

  it('names the host and the reason of a failure, never the password', async () => {
    const error = await withRedis('redis://:hunter22@127.0.0.1:1/0', 500, async (s) => await s.send(['PING'])).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toMatch(/^Redis 127\.0\.0\.1:1: /);
    expect((error as Error).message).not.toContain('hunter22');
  });

  it('does nothing when its signal was aborted before it started', async () => {
    const key = `opsfn-test:session:${randomUUID()}`;
    const controller = new AbortController();
    controller.abort(new Error('run deadline'));
    let ran = false;
    const outcome = await withRedis(
      URL,
      1_000,
      async (session) => {
        ran = true;
        return await session.send(['SET', key, 'written', 'PX', 10_000]);
      },
      controller.signal,
    ).catch((e: unknown) => e);
    expect((outcome as Error).message).toBe('run deadline');
    expect(ran).toBe(false);
    const admin = new Redis(URL, { lazyConnect: true });
    try {
      expect(await admin.get(key)).toBeNull();
    } finally {
      admin.disconnect();
    }
  });
});
