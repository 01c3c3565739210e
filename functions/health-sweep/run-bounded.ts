import type { Context } from '../../shared/core/run/index.js';
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
  // The budget's own timer, held until the checks are done: an `AbortSignal.timeout` given to `AbortSignal.any`
  // is only weakly held there, so a garbage collection during the sweep can drop it and the budget never ends.
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new DOMException('the sweep budget ran out', 'TimeoutError')),
    health.budget,
  );
  const signal = AbortSignal.any([ctx.signal, budget.signal]);
  try {
    return await mapBounded(entries, health.concurrency, (entry) => {
      const env: CheckRunEnv = { ctx, deps, signal, notes: memories.get(entry.name)?.notes };
      return runCheck(entry, env);
    });
  } finally {
    clearTimeout(timer);
  }
}
