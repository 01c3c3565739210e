import { type Context, withDeadline } from '../../shared/core/run/index.js';
import { type CheckRunEnv, runCheck } from './checks/run-check.js';
import type { CheckResult } from './checks/types.js';
import type { CheckEntry, HealthConfig } from './config.js';
import type { CheckMemory } from './decide.js';
import type { HealthSweepDeps } from './deps.js';
import { mapBounded } from './pool.js';

/**
 * Runs checks with the sweep's bounds: `concurrency` at once, each its own timeout, all within `budget`; a check
 * still queued when the budget runs out is not run (`notRun`).
 */
export async function runBounded(
  ctx: Context,
  deps: HealthSweepDeps,
  health: HealthConfig,
  entries: readonly CheckEntry[],
  memories: ReadonlyMap<string, CheckMemory>,
): Promise<CheckResult[]> {
  // Not AbortSignal.timeout: Node 20's AbortSignal.any can lose it to a garbage collection (`withDeadline`).
  const budget = withDeadline(ctx.signal, health.budget);
  const { signal } = budget;
  try {
    return await mapBounded(entries, health.concurrency, (entry) => {
      const env: CheckRunEnv = { ctx, deps, signal, notes: memories.get(entry.name)?.notes };
      return runCheck(entry, env);
    });
  } finally {
    budget.clear();
  }
}
