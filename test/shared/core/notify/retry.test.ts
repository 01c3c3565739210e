import { describe, expect, it } from 'vitest';
import { BadInputError, DependencyError } from '../../../../shared/core/errors/ops-error.js';
import { DeliveryError } from '../../../../shared/core/notify/errors.js';
import { assertSuccess, parseRetryAfter } from '../../../../shared/core/notify/http-post.js';
import { backoffDelay, type RetryPolicy, runWithRetry } from '../../../../shared/core/notify/retry.js';
import { fixedNow, recordingSleep } from './notify-config.js';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { sleep: ReturnType<typeof recordingSleep> } {
  return {
    retries: 3,
    timeoutMs: 1_000,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    retryAfterCapMs: 5_000,
    random: () => 1,
    ...overrides,
    sleep: recordingSleep(),
  };
}

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { ...p, random: () => 1 }))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay(3, { ...p, random: () => 0 })).toBe(200);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores junk', () => {
    expect(parseRetryAfter('3', fixedNow())).toBe(3_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 03:00:10 GMT', fixedNow())).toBe(10_000);
    expect(parseRetryAfter('soon', fixedNow())).toBeUndefined();
    expect(parseRetryAfter(null, fixedNow())).toBeUndefined();
  });
});

describe('assertSuccess', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [403, false],
    [404, false],
    [301, false],
  ])('marks HTTP %i retryable=%s', (status, retryable) => {
    const reply = { status, headers: new Headers(), body: 'nope' };
    expect(() => assertSuccess(reply, fixedNow())).toThrow(DeliveryError);
    try {
      assertSuccess(reply, fixedNow());
    } catch (error) {
      expect((error as DeliveryError).retryable).toBe(retryable);
    }
  });
});

describe('runWithRetry', () => {
  it('retries retryable failures with growing delays until success', async () => {
    const p = policy();
    let calls = 0;
    const outcome = await runWithRetry(async () => {
      calls += 1;
      if (calls < 3) throw new DeliveryError('HTTP 503', { retryable: true });
    }, p);
    expect(outcome).toEqual({ ok: true, attempts: 3 });
    expect(p.sleep.delays).toEqual([100, 200]);
  });

  it('stops after the configured retries and keeps the last error', async () => {
    const p = policy({ retries: 2 });
    const outcome = await runWithRetry(async () => {
      throw new DependencyError('down');
    }, p);
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(3);
    expect(outcome.error?.message).toBe('down');
  });

  it('does not retry an error that is not retryable', async () => {
    const p = policy();
    const outcome = await runWithRetry(async () => {
      throw new BadInputError('bad');
    }, p);
    expect(outcome.attempts).toBe(1);
    expect(p.sleep.delays).toEqual([]);
  });

  it('waits as long as Retry-After asks when that is within the cap', async () => {
    const p = policy();
    let calls = 0;
    await runWithRetry(async () => {
      calls += 1;
      if (calls === 1) throw new DeliveryError('HTTP 429', { retryable: true, retryAfterMs: 2_000 });
    }, p);
    expect(p.sleep.delays).toEqual([2_000]);
  });

  it('gives up when Retry-After exceeds the cap', async () => {
    const p = policy();
    const outcome = await runWithRetry(async () => {
      throw new DeliveryError('HTTP 429', { retryable: true, retryAfterMs: 60_000 });
    }, p);
    expect(outcome.attempts).toBe(1);
    expect(outcome.error?.message).toBe('HTTP 429 (Retry-After 60s exceeds the 5s cap)');
  });

  it('bounds an attempt that never settles by the timeout', async () => {
    const p = policy({ retries: 1, timeoutMs: 50 });
    const started = Date.now();
    const outcome = await runWithRetry(() => new Promise<void>(() => undefined), p);
    expect(outcome.error?.message).toBe('timed out after 50ms');
    expect(outcome.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops at once when the caller aborts', async () => {
    const p = policy();
    const controller = new AbortController();
    controller.abort();
    const outcome = await runWithRetry(async () => undefined, p, controller.signal);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.message).toBe('cancelled by the caller');
  });
});
