import type { Context } from '../../shared/core/run/index.js';
import { type CheckRunEnv, runCheck } from './checks/run-check.js';
import type { CheckResult } from './checks/types.js';
import type { CheckEntry, HealthConfig } from './config.js';
import type { CheckMemory } from './decide.js';
import type { HealthSweepDeps } from './deps.js';
import { mapBounded } from './pool.js';

/** Runs checks with the sweep's bounds: `concurrency` at once, each its own timeout, all within `budget`. */
export function runBounded(
  ctx: Context,
  deps: HealthSweepDeps,
  health: HealthConfig,
  entries: readonly CheckEntry[],
  memories: ReadonlyMap<string, CheckMemory>,
): Promise<CheckResult[]> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(health.budget)]);
  return mapBounded(entries, health.concurrency, (entry) => {
    const env: CheckRunEnv = { ctx, deps, signal, notes: memories.get(entry.name)?.notes };
    return runCheck(entry, env);
  });
}
