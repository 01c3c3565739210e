import type { Estate } from '../../shared/core/config/index.js';
import { entryOf } from '../../shared/core/config/index.js';
import { BadInputError, NotFoundError } from '../../shared/core/errors/index.js';
import type { DrillPlan, DrillStep } from './config.js';
import { type NamedStep, nameSteps, planIssues } from './plan-refs.js';

export { leavesReadableCopy, type NamedStep, nameSteps } from './plan-refs.js';

/** Steps that create something: an approval gate holds them. */
export const CREATING_STEPS: ReadonlySet<DrillStep['step']> = new Set([
  'sql.clone',
  'sql.restoreBackup',
  'db.restoreDump',
  'run.deploy',
]);

/** Steps whose result is a recovered copy of data, with a data time for the RPO. */
export const DATA_STEPS: ReadonlySet<DrillStep['step']> = new Set(['sql.clone', 'sql.restoreBackup', 'db.restoreDump']);

/**
 * Checks a plan against the estate: every backup, database and service it names exists and has the
 * right kind, step names are unique, references point at earlier steps. Every problem is named.
 */
export function resolvePlan(estate: Estate, planName: string): { plan: DrillPlan; steps: NamedStep[] } {
  const plan = entryOf(estate.drills, planName);
  if (!plan) {
    const known = Object.keys(estate.drills);
    throw new NotFoundError(`unknown drill plan "${planName}" (known: ${known.join(', ') || 'none'})`);
  }
  const problems = planIssues(estate, planName, plan).map(
    (issue) =>
      `${issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1)}: ${issue.message}`,
  );
  if (problems.length > 0) throw new BadInputError(`drill plan "${planName}" is not runnable: ${problems.join('; ')}`);
  const steps = nameSteps(plan);
  return { plan, steps };
}
