import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { CheckMemory } from './decide.js';
import { HealthKeys, MEMORY_TTL_MS } from './state-keys.js';

/** Reads and writes what the sweep remembers; a state store that fails turns the sweep read-only, never stops it. */
export interface SweepMemory {
  /** False when the state store could not be read or written: no notification or restart can be decided. */
  readonly usable: boolean;
  checks(names: readonly string[]): Promise<Map<string, CheckMemory>>;
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The sweep's view of `ctx.state`: errors are logged once and make the memory unusable for the rest of the run. */
export function sweepMemory(ctx: Context): SweepMemory {
  let usable = ctx.stateAvailable;
  const failed = (error: unknown) => {
    if (usable) ctx.log.warn('state store failed; the sweep goes on without memory', { error: errorMessage(error) });
    usable = false;
  };
  const memory: SweepMemory = {
    get usable() {
      return usable;
    },
    async checks(names) {
      const found = new Map<string, CheckMemory>();
      if (!usable) return found;
      try {
        const values = await Promise.all(names.map((n) => ctx.state.get<CheckMemory>(HealthKeys.check(n))));
        names.forEach((n, i) => {
          const value = values[i];
          if (value) found.set(n, value);
        });
      } catch (error) {
        failed(error);
      }
      return found;
    },
    async get<T>(key: string) {
      if (!usable) return undefined;
      try {
        return await ctx.state.get<T>(key);
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    async put(key, value) {
      if (!usable) return;
      await ctx.state.put(key, value, MEMORY_TTL_MS).catch(failed);
    },
    async delete(key) {
      if (!usable) return;
      await ctx.state.delete(key).catch(failed);
    },
  };
  return memory;
}
