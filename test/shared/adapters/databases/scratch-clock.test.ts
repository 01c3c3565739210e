import { describe, expect, it } from 'vitest';
import { scratchServerNow } from '../../../../shared/adapters/databases/scratch.js';
import { MYSQL_URL, PG_URL } from './seed.js';

describe('scratchServerNow', () => {
  it.each([
    ['postgres', PG_URL],
    ['mysql', MYSQL_URL],
  ] as const)("reads the %s server's own clock in epoch milliseconds", async (engine, url) => {
    const before = Date.now();
    const now = await scratchServerNow({ engine, url });
    const after = Date.now();
    // The servers run on this machine: their clock is this process's, to within the round trip.
    expect(Number.isInteger(now)).toBe(true);
    expect(now).toBeGreaterThanOrEqual(before - 1_000);
    expect(now).toBeLessThanOrEqual(after + 1_000);
  });

  it('names the server it cannot reach', async () => {
    await expect(
      scratchServerNow({ engine: 'postgres', url: 'postgres://postgres@127.0.0.1:1/postgres' }),
    ).rejects.toThrow(/scratch server postgres:\/\/127\.0\.0\.1:1 unreachable/);
  });
});
