import type { Estate } from '../../shared/core/config/index.js';
import { entryOf } from '../../shared/core/config/index.js';
import { BadInputError, NotFoundError } from '../../shared/core/errors/index.js';
import type { DrillPlan, DrillStep } from './config.js';

/** A plan step with its name settled. */
export type NamedStep = DrillStep & { name: string };

/** Whether a step leaves a copy a later step can read: a restored dump, or a Cloud SQL copy with `connect`. */
export function leavesReadableCopy(step: NamedStep): boolean {
  if (step.step === 'db.restoreDump') return true;
  return (step.step === 'sql.clone' || step.step === 'sql.restoreBackup') && step.connect !== undefined;
}

const DEFAULT_NAME: Record<DrillStep['step'], string> = {
  'sql.clone': 'clone',
  'sql.restoreBackup': 'restore-backup',
  'db.restoreDump': 'restore',
  'db.assert': 'assert',
  'run.deploy': 'deploy',
  'http.check': 'check',
  wait: 'wait',
  cleanup: 'cleanup',
};

/** Steps that create something: an approval gate holds them. */
export const CREATING_STEPS: ReadonlySet<DrillStep['step']> = new Set([
  'sql.clone',
  'sql.restoreBackup',
  'db.restoreDump',
  'run.deploy',
]);

/** Steps whose result is a recovered copy of data, with a data time for the RPO. */
export const DATA_STEPS: ReadonlySet<DrillStep['step']> = new Set(['sql.clone', 'sql.restoreBackup', 'db.restoreDump']);

/** Gives every step a unique name (`restore`, `restore-2`, …) and appends `cleanup` when the plan leaves it out. */
export function nameSteps(plan: DrillPlan): NamedStep[] {
  const used = new Map<string, number>();
  const steps: DrillStep[] = plan.steps.at(-1)?.step === 'cleanup' ? plan.steps : [...plan.steps, { step: 'cleanup' }];
  return steps.map((step) => {
    const base = step.name ?? DEFAULT_NAME[step.step];
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { ...step, name: step.name !== undefined || n === 1 ? base : `${base}-${n}` } as NamedStep;
  });
}

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
  const steps = nameSteps(plan);
  const problems: string[] = [];
  const at = (i: number) => `drills.${planName}.steps[${i}]`;
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    if (seen.has(step.name)) problems.push(`${at(i)}.name: "${step.name}" is used twice`);
    seen.add(step.name);
    const earlier = steps.slice(0, i);
    switch (step.step) {
      case 'db.restoreDump': {
        const backup = entryOf(estate.backups, step.backup);
        if (!backup) problems.push(`${at(i)}.backup: unknown backup "${step.backup}"`);
        else if (backup.kind !== 'object-store')
          problems.push(
            `${at(i)}.backup: "${step.backup}" is ${backup.kind}, expected an object-store backup of dumps`,
          );
        break;
      }
      case 'db.assert': {
        const copies = earlier.filter(leavesReadableCopy);
        if (step.of !== undefined && !copies.some((s) => s.name === step.of))
          problems.push(
            `${at(i)}.of: "${step.of}" is not an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect`,
          );
        if (step.of === undefined && copies.length === 0)
          problems.push(
            `${at(i)}: db.assert needs an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect`,
          );
        break;
      }
      case 'sql.clone':
      case 'sql.restoreBackup': {
        if (step.database === undefined) break;
        const db = entryOf(estate.databases, step.database);
        if (db?.kind !== 'cloud-sql')
          problems.push(`${at(i)}.database: "${step.database}" is not a cloud-sql entry of databases`);
        break;
      }
      case 'run.deploy': {
        const service = entryOf(estate.services, step.service);
        if (service?.platform !== 'cloud-run')
          problems.push(`${at(i)}.service: "${step.service}" is not a cloud-run entry of services`);
        break;
      }
      case 'http.check': {
        const ref = /^\{\{([a-z][a-z0-9-]*)\.url\}\}/.exec(step.url)?.[1];
        if (ref !== undefined && !earlier.some((s) => s.name === ref && s.step === 'run.deploy'))
          problems.push(`${at(i)}.url: "${ref}" is not an earlier run.deploy step`);
        break;
      }
      default:
        break;
    }
  });
  if (plan.heartbeat) {
    const db = entryOf(estate.databases, plan.heartbeat.database);
    if (!db || db.kind === 'cloud-sql')
      problems.push(
        `drills.${planName}.heartbeat.database: "${plan.heartbeat.database}" is not a postgres or mysql entry of databases`,
      );
  }
  plan.checklist.forEach((item, i) => {
    if (!seen.has(item.step)) problems.push(`drills.${planName}.checklist[${i}].step: no step named "${item.step}"`);
  });
  if (problems.length > 0) throw new BadInputError(`drill plan "${planName}" is not runnable: ${problems.join('; ')}`);
  return { plan, steps };
}
