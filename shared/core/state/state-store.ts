/** Outcome of an idempotency claim: the first caller wins, later callers see what was recorded. */
export type Claim<T = unknown> =
  | { claimed: true }
  | { claimed: false; state: 'running' }
  | { claimed: false; state: 'done'; outcome: T };

/**
 * The state port every function uses: idempotency claims, locks with owner tokens, cooldown marks,
 * sliding-window counters and small JSON records with a TTL. Keys are plain strings; an adapter
 * adds its own prefix. Every method throws `DependencyError` when the store is unreachable.
 */
export interface StateStore {
  /** Claims `key` for `ttlMs`; only the first caller gets `{ claimed: true }`. */
  claim<T = unknown>(key: string, ttlMs: number): Promise<Claim<T>>;
  /** Records the outcome of a claimed key so later claims see it. */
  complete(key: string, outcome: unknown, ttlMs: number): Promise<void>;
  /** Forgets a claim (after a retryable failure) so a redelivery can run again. */
  unclaim(key: string): Promise<void>;

  /** Takes a lock; returns an owner token, or undefined when another owner holds it. Expires after `ttlMs`. */
  lock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases a lock only if `token` still owns it; returns whether it did. */
  unlock(key: string, token: string): Promise<boolean>;

  /** Marks `key` as cooling down for `ttlMs`. */
  setCooldown(key: string, ttlMs: number): Promise<void>;
  /** Milliseconds left on a cooldown mark, 0 when none. */
  cooldownLeft(key: string): Promise<number>;

  /** Adds one event at `nowMs` to a sliding window of `windowMs` and returns the count inside it, this one included. */
  hit(key: string, windowMs: number, nowMs: number): Promise<number>;
  /** Counts events inside the sliding window without adding one. */
  count(key: string, windowMs: number, nowMs: number): Promise<number>;
  /**
   * Spends one event of a budget of `max` per sliding window, atomically: adds an event at `nowMs` only while the
   * window holds fewer than `max`, and returns its id (for {@link StateStore.refund}), or undefined when spent.
   */
  spend(key: string, windowMs: number, nowMs: number, max: number): Promise<string | undefined>;
  /** Takes back an event {@link StateStore.spend} added (an action refused after all). */
  refund(key: string, id: string): Promise<void>;

  /**
   * Adds `member` to the set at `key`, which lives `ttlMs` from this call, in one atomic step: whether it was
   * new, and how many members the set holds now. Many writers counting distinct things (the shards of a run)
   * learn which of them completed the set, and a repeat of one member is never counted twice.
   */
  addMember(key: string, member: string, ttlMs: number): Promise<{ added: boolean; size: number }>;

  /** Reads a JSON record; undefined when absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Writes a JSON record, optionally expiring after `ttlMs`. */
  put(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Deletes a record, lock, cooldown or claim by key. */
  delete(key: string): Promise<void>;
  /**
   * Puts `value` at the head of the list at `key` and keeps its newest `max` entries, the whole list
   * expiring `ttlMs` after this push when given: a bounded history no concurrent pusher can lose.
   */
  push(key: string, value: unknown, max: number, ttlMs?: number): Promise<void>;
  /** Reads the list at `key`, newest first, at most `limit` entries; empty when absent. */
  list<T = unknown>(key: string, limit?: number): Promise<T[]>;
  /** Lists the keys that start with `prefix` (without the adapter's own prefix). */
  keys(prefix: string): Promise<string[]>;

  /** Throws DependencyError when the store is not reachable. */
  ping(): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}
