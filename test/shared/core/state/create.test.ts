import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateConfigSchema } from '../../../../shared/core/config/sections/estate-common.js';
import type { SecretRef } from '../../../../shared/core/config/types.js';
import { BadInputError } from '../../../../shared/core/errors/ops-error.js';
import { createStateStore } from '../../../../shared/core/state/create.js';
import { MemoryStateStore } from '../../../../shared/core/state/memory.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';

const noSecrets = async (ref: SecretRef): Promise<string> => {
  throw new Error(`unexpected secret lookup ${JSON.stringify(ref)}`);
};

describe('createStateStore', () => {
  it('builds a memory store on the injected clock', async () => {
    let t = 5_000;
    const store = await createStateStore(StateConfigSchema.parse('memory'), { secret: noSecrets, now: () => t });
    expect(store).toBeInstanceOf(MemoryStateStore);
    await store.setCooldown('c', 1_000);
    t += 250;
    expect(await store.cooldownLeft('c')).toBe(750);
  });

  it('builds a Redis store from a URL behind a secret reference, with the configured prefix', async () => {
    const prefix = `opsfn-test:create:${randomUUID()}:`;
    const config = StateConfigSchema.parse({ redis: { env: 'STATE_URL' }, prefix });
    const seen: SecretRef[] = [];
    const store = await createStateStore(config, {
      secret: async (ref) => {
        seen.push(ref);
        return ' redis://127.0.0.1:6379/0 ';
      },
    });
    try {
      expect(store).toBeInstanceOf(RedisStateStore);
      expect(seen).toEqual([{ env: 'STATE_URL' }]);
      await store.put('k', 42, 10_000);
      expect(await store.keys('')).toEqual(['k']);
    } finally {
      await store.delete('k');
      await store.close();
    }
  });

  it('defaults the Redis prefix to opsfn:', async () => {
    const config = StateConfigSchema.parse({ redis: 'redis://127.0.0.1:1' });
    expect(config).toEqual({ redis: 'redis://127.0.0.1:1', prefix: 'opsfn:' });
  });

  it('rejects a secret that holds no Redis URL without echoing it', async () => {
    const config = StateConfigSchema.parse({ redis: { env: 'STATE_URL' } });
    const error = await createStateStore(config, { secret: async () => 'hunter2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe(
      'state.redis: expected a redis:// or rediss:// URL from secret env STATE_URL',
    );
  });

  it('names the secret a Redis URL it cannot use came from, without its password', async () => {
    const config = StateConfigSchema.parse({ redis: { env: 'STATE_URL' } });
    const secret = async () => 'rediss://:hunter2@10.0.0.3:6378?tls=true';
    const error = await createStateStore(config, { secret }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe(
      'state.redis: rediss://10.0.0.3:6378: options in the URL are not supported (tls) (from secret env STATE_URL)',
    );
  });
});
