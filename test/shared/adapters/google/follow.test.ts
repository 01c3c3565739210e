import { describe, expect, it } from 'vitest';
import { collectPages, deadlineIn, pollOperation } from '../../../../shared/adapters/google/follow.js';

interface Op {
  name: string;
  done: boolean;
}

/** An operation that is done after `polls` reads, on a clock that only the sleeps move. */
function operation(polls: number) {
  let clock = 0;
  const reads: number[] = [];
  const sleeps: number[] = [];
  return {
    now: () => clock,
    reads,
    sleeps,
    get: async (): Promise<Op> => {
      reads.push(clock);
      return { name: 'op-1', done: reads.length >= polls };
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
  };
}

describe('pollOperation', () => {
  it('polls after each interval until the operation is done', async () => {
    const op = operation(3);
    const result = await pollOperation(op.get, (o) => o.done, {
      first: { name: 'op-1', done: false },
      intervalMs: 100,
      timeLeft: deadlineIn(10_000, op.now),
      sleep: op.sleep,
    });
    expect(result).toEqual({ operation: { name: 'op-1', done: true }, finished: true });
    expect(op.reads).toEqual([100, 200, 300]);
  });

  it('reads at once without a first answer, and never when the first answer is done', async () => {
    const op = operation(1);
    await pollOperation(op.get, (o) => o.done, { intervalMs: 100, timeLeft: () => 1_000, sleep: op.sleep });
    expect(op.reads).toEqual([0]);
    const done = await pollOperation(op.get, (o) => o.done, {
      first: { name: 'op-0', done: true },
      intervalMs: 100,
      timeLeft: () => 1_000,
      sleep: op.sleep,
    });
    expect(done).toEqual({ operation: { name: 'op-0', done: true }, finished: true });
    expect(op.reads).toHaveLength(1);
  });

  it('gives up, unfinished, when less than one interval is left', async () => {
    const op = operation(100);
    const result = await pollOperation(op.get, (o) => o.done, {
      first: { name: 'op-1', done: false },
      intervalMs: 100,
      timeLeft: deadlineIn(350, op.now),
      sleep: op.sleep,
    });
    expect(result.finished).toBe(false);
    expect(op.reads).toEqual([100, 200, 300]);
  });

  it('stops, unfinished, when the signal aborts during a wait', async () => {
    const controller = new AbortController();
    const op = operation(100);
    const result = await pollOperation(op.get, (o) => o.done, {
      first: { name: 'op-1', done: false },
      intervalMs: 100,
      timeLeft: () => 10_000,
      signal: controller.signal,
      sleep: async (_ms, signal) => {
        controller.abort();
        signal?.throwIfAborted();
      },
    });
    expect(result).toEqual({ operation: { name: 'op-1', done: false }, finished: false });
    expect(op.reads).toEqual([]);
  });

  it('passes on a failed read', async () => {
    const failing = pollOperation(
      async () => Promise.reject(new Error('HTTP 500')),
      () => false,
      { first: 1, intervalMs: 1, timeLeft: () => 1_000, sleep: async () => {} },
    );
    await expect(failing).rejects.toThrow('HTTP 500');
  });
});

describe('collectPages', () => {
  const pages = (count: number) => async (token: string | undefined) => {
    const at = token ? Number(token) : 0;
    return { items: [at * 2, at * 2 + 1], next: at + 1 < count ? String(at + 1) : undefined };
  };

  it('follows nextPageToken to the last page', async () => {
    await expect(collectPages(pages(3), { maxPages: 10 })).resolves.toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stops early once the items are enough', async () => {
    await expect(collectPages(pages(3), { maxPages: 10, enough: (all) => all.includes(3) })).resolves.toEqual([
      0, 1, 2, 3,
    ]);
  });

  it('returns what it has after maxPages, or refuses when told to', async () => {
    await expect(collectPages(pages(5), { maxPages: 2 })).resolves.toEqual([0, 1, 2, 3]);
    const refused = collectPages(pages(5), { maxPages: 2, overflow: () => new Error('more than 2 pages') });
    await expect(refused).rejects.toThrow('more than 2 pages');
  });
});
