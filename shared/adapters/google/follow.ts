import { setTimeout as delay } from 'node:timers/promises';

// Calls that take more than one request: a paged listing, and a long-running operation.

/** One page of a list call: its items and the token of the next page, absent on the last. */
export interface Page<T> {
  items: T[];
  next?: string | null | undefined;
}

/** How far {@link collectPages} follows `nextPageToken`. */
export interface PageLimits<T> {
  maxPages: number;
  /** Stops early once the items so far are enough (a list sorted newest first, say). */
  enough?: (items: T[]) => boolean;
  /** The error when `maxPages` pages still left a next one; without it the items so far are returned. */
  overflow?: () => Error;
}

/** Follows `nextPageToken` page by page, at most `maxPages` of them, and returns every item in order. */
export async function collectPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
  limits: PageLimits<T>,
): Promise<T[]> {
  const all: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < limits.maxPages; page++) {
    const { items, next } = await fetchPage(pageToken);
    all.push(...items);
    pageToken = next || undefined;
    if (!pageToken || limits.enough?.(all)) return all;
  }
  if (limits.overflow) throw limits.overflow();
  return all;
}

/** How {@link pollOperation} paces itself and when it gives up. */
export interface PollOptions<T> {
  /** The operation as the call that started it answered; without it the first poll comes at once. */
  first?: T;
  intervalMs: number;
  /** Milliseconds left to wait: polling stops when less than one interval is left. */
  timeLeft: () => number;
  signal?: AbortSignal | undefined;
  /** Waits between polls; default a timer that the signal cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Where polling ended: the last operation read, and whether it had finished. */
export interface PollResult<T> {
  operation: T;
  finished: boolean;
}

/** A `timeLeft` for {@link PollOptions}: the milliseconds until `ms` from now. */
export function deadlineIn(ms: number, now: () => number = Date.now): () => number {
  const end = now() + ms;
  return () => end - now();
}

/**
 * Polls a long-running operation (a Cloud Run `google.longrunning.Operation`, a SQL Admin `sql#operation`)
 * until `done` says so, time runs out or the signal aborts; an operation that has not finished may still
 * finish on its own, so the caller decides what that means.
 */
export async function pollOperation<T>(
  get: () => Promise<T>,
  done: (operation: T) => boolean,
  options: PollOptions<T>,
): Promise<PollResult<T>> {
  const { signal } = options;
  const sleep = options.sleep ?? ((ms, s) => delay(ms, undefined, s ? { signal: s } : {}));
  let operation = options.first !== undefined ? options.first : await get();
  while (!done(operation)) {
    if (signal?.aborted || options.timeLeft() < options.intervalMs) return { operation, finished: false };
    try {
      await sleep(options.intervalMs, signal);
    } catch (error) {
      if (signal?.aborted) return { operation, finished: false };
      throw error;
    }
    if (signal?.aborted) return { operation, finished: false };
    operation = await get();
  }
  return { operation, finished: true };
}
