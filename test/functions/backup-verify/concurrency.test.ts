import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY, mapLimit } from '../../../functions/backup-verify/run-backups.js';

describe('mapLimit', () => {
  it('keeps at most the limit in flight and the results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 25, 10, 15, 2, 8, 12];
    const out = await mapLimit(delays, DEFAULT_CONCURRENCY, async (ms) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return ms * 2;
    });
    expect(peak).toBe(DEFAULT_CONCURRENCY);
    expect(out).toEqual(delays.map((ms) => ms * 2));
  });

  it('runs all of fewer items than the limit at once', async () => {
    let peak = 0;
    let inFlight = 0;
    await mapLimit([1, 2], 4, async (ms) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
    });
    expect(peak).toBe(2);
  });
});
