import type { StateStore } from '../../core/state/index.js';

/** The locks one run holds, so a shutdown that cannot wait for the run can still release them. */
export class HeldLocks {
  readonly #held = new Map<string, string>();

  /** Records a lock the run took. */
  note(key: string, token: string): void {
    this.#held.set(key, token);
  }

  /** Forgets a lock the run released. */
  forget(key: string, token: string): void {
    if (this.#held.get(key) === token) this.#held.delete(key);
  }

  /** The keys still held. */
  keys(): string[] {
    return [...this.#held.keys()];
  }

  /** Releases every lock still held (only those this run owns); returns the keys released. */
  async release(state: StateStore): Promise<string[]> {
    const released: string[] = [];
    for (const [key, token] of [...this.#held]) {
      if (await state.unlock(key, token).catch(() => false)) released.push(key);
      this.#held.delete(key);
    }
    return released;
  }
}

/** How a run's view of the state store treats what passes through it. */
export interface RunStateOptions {
  /** Applied to every record and outcome before it is written: the redactor's `scrubValue`. */
  scrub: (value: unknown) => unknown;
  /** Where the locks this run takes are noted. */
  locks?: HeldLocks;
}

/**
 * The state store as one run sees it: every record it writes is scrubbed of secrets first (state
 * keeps references, never resolved values), and the locks it takes are noted for a shutdown.
 */
export function runState(store: StateStore, options: RunStateOptions): StateStore {
  const { scrub, locks } = options;
  return {
    claim: <T>(key: string, ttlMs: number) => store.claim<T>(key, ttlMs),
    complete: (key, outcome, ttlMs) => store.complete(key, scrub(outcome), ttlMs),
    unclaim: (key) => store.unclaim(key),
    async lock(key, ttlMs) {
      const token = await store.lock(key, ttlMs);
      if (token !== undefined) locks?.note(key, token);
      return token;
    },
    async unlock(key, token) {
      const released = await store.unlock(key, token);
      locks?.forget(key, token);
      return released;
    },
    setCooldown: (key, ttlMs) => store.setCooldown(key, ttlMs),
    cooldownLeft: (key) => store.cooldownLeft(key),
    hit: (key, windowMs, nowMs) => store.hit(key, windowMs, nowMs),
    count: (key, windowMs, nowMs) => store.count(key, windowMs, nowMs),
    spend: (key, windowMs, nowMs, max) => store.spend(key, windowMs, nowMs, max),
    refund: (key, id) => store.refund(key, id),
    addMember: (key, member, ttlMs) => store.addMember(key, member, ttlMs),
    get: <T>(key: string) => store.get<T>(key),
    put: (key, value, ttlMs) => store.put(key, scrub(value), ttlMs),
    push: (key, value, max, ttlMs) => store.push(key, scrub(value), max, ttlMs),
    list: <T>(key: string, limit?: number) => store.list<T>(key, limit),
    delete: (key) => store.delete(key),
    keys: (prefix) => store.keys(prefix),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
