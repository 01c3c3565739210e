import { afterAll, describe, expect, it } from 'vitest';
import { GuardKeys } from '../../../../shared/core/guard/keys.js';
import { RedisStateStore } from '../../../../shared/core/state/redis.js';
import { createContext } from '../../../../shared/host/runtime/context.js';
import { createServices } from '../../../../shared/host/runtime/services.js';
import { captureLogs, testEstate } from '../../../support/estate.js';
import { REDIS_URL, redisPrefix } from '../../../support/redis-prefix.js';

const redis = redisPrefix('guard-budget');
const stores: RedisStateStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.drop();
});

/** Runs `n` actions at once, each on its own target and its own connection, as `n` instances would. */
async function storm(guard: Record<string, unknown>, n: number, prefix: string) {
  const config = testEstate({ guard } as never);
  let called = 0;
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const state = await RedisStateStore.open({ url: REDIS_URL, prefix });
      stores.push(state);
      const services = createServices({ config, state, logSink: captureLogs().sink });
      const { ctx } = createContext(services, 'rollback', { kind: 'manual', id: `storm-${i}`, payload: {} });
      return ctx.act('restart', `svc-${i}`, async () => {
        called++;
      });
    }),
  );
  return { called, refusedBy: outcomes.map((o) => (o.status === 'refused' ? o.by : o.status)) };
}

describe('budgets under concurrent runs', () => {
  it('lets no more actions through than the global rate limit, however many runs check it at once', async () => {
    const { called, refusedBy } = await storm(
      { rateLimit: { global: { max: 2, window: '1h' } } },
      10,
      `${redis.prefix}global:`,
    );
    expect(called).toBe(2);
    expect(refusedBy.filter((b) => b === 'rate-limit')).toHaveLength(8);
  });

  it('trips the breaker at its max, however many runs check it at once, and counts no refused action', async () => {
    const prefix = `${redis.prefix}breaker:`;
    const { called } = await storm({ breaker: { max: 3, window: '1h', open: '1h' } }, 10, prefix);
    expect(called).toBe(3);
    const state = await RedisStateStore.open({ url: REDIS_URL, prefix });
    stores.push(state);
    expect(await state.get(GuardKeys.breakerOpen)).toBeDefined();
    expect(await state.count(GuardKeys.breakerActions, 3_600_000, Date.now())).toBe(3);
  });

  it('takes back what the breaker spent for an action the rate limit then refused', async () => {
    const prefix = `${redis.prefix}refund:`;
    const { called } = await storm(
      { rateLimit: { global: { max: 1, window: '1h' } }, breaker: { max: 5, window: '1h', open: '1h' } },
      6,
      prefix,
    );
    expect(called).toBe(1);
    const state = await RedisStateStore.open({ url: REDIS_URL, prefix });
    stores.push(state);
    expect(await state.count(GuardKeys.breakerActions, 3_600_000, Date.now())).toBe(1);
    expect(await state.get(GuardKeys.breakerOpen)).toBeUndefined();
  });
});
