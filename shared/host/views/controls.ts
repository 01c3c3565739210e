import type { GuardConfig } from '../../core/config/index.js';
import { GuardKeys, type PauseRecord } from '../../core/guard/index.js';
import type { StateStore } from '../../core/state/index.js';

/** The kill switch and the circuit breaker as they stand. */
export interface Controls {
  /** `opsfn pause` with no function: every function is paused. */
  pausedAll?: PauseRecord;
  /** Per function, its own pause. */
  paused: Record<string, PauseRecord | undefined>;
  breaker: { open: boolean; since?: string; actions: number; max: number };
}

/** Reads the kill switch of every function and the breaker's state and count from the state store. */
export async function readControls(
  state: StateStore,
  functions: readonly string[],
  guard: GuardConfig,
  now: Date,
): Promise<Controls> {
  const [pausedAll, open, actions, ...each] = await Promise.all([
    state.get<PauseRecord>(GuardKeys.paused),
    state.get<{ at?: string }>(GuardKeys.breakerOpen),
    state.count(GuardKeys.breakerActions, guard.breaker.window, now.getTime()),
    ...functions.map((fn) => state.get<PauseRecord>(GuardKeys.pausedFunction(fn))),
  ]);
  return {
    ...(pausedAll ? { pausedAll } : {}),
    paused: Object.fromEntries(functions.map((fn, i) => [fn, each[i]])),
    breaker: {
      open: open !== undefined,
      ...(open?.at ? { since: open.at } : {}),
      actions,
      max: guard.breaker.max,
    },
  };
}
