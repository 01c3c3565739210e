import {
  type ConfigIssue,
  type Estate,
  type EstateContext,
  entryOf,
  referenceIssues,
  type ScratchServerConfig,
} from '../../shared/core/config/index.js';
import type { DrillPlan } from './config-plan.js';
import type { DrillStep } from './config-steps.js';

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

const engineOf = (scratch: ScratchServerConfig): 'postgres' | 'mysql' => ('postgres' in scratch ? 'postgres' : 'mysql');

/** The engine of the copy a step leaves, where the config says it: a scratch server, or a Cloud SQL `connect`. */
function copyEngine(step: NamedStep): 'postgres' | 'mysql' | undefined {
  if (step.step === 'db.restoreDump') return engineOf(step.scratch);
  if ((step.step === 'sql.clone' || step.step === 'sql.restoreBackup') && step.connect)
    return step.connect.postgres !== undefined ? 'postgres' : 'mysql';
  return undefined;
}

function stepIssues(estate: Estate, step: NamedStep, at: (string | number)[], earlier: NamedStep[]): ConfigIssue[] {
  switch (step.step) {
    case 'db.restoreDump': {
      const issues = referenceIssues([...at, 'backup'], 'backup', step.backup, estate.backups, {
        test: (b) => b.kind === 'object-store',
        expected: 'an object-store backup of dumps',
      });
      const backup = entryOf(estate.backups, step.backup);
      const tested = backup?.kind === 'object-store' ? backup.restoreTest?.scratch : undefined;
      // The backup's own restore test loads the same dumps: one engine cannot restore the other's dump.
      if (tested && engineOf(tested) !== engineOf(step.scratch))
        issues.push({
          path: [...at, 'scratch'],
          message: `expected a ${engineOf(tested)} scratch server: backups.${step.backup}.restoreTest restores these dumps into ${engineOf(tested)}`,
        });
      return issues;
    }
    case 'db.assert': {
      const copies = earlier.filter(leavesReadableCopy).map((s) => s.name);
      if (step.of !== undefined && !copies.includes(step.of))
        return [
          {
            path: [...at, 'of'],
            message: `"${step.of}" is not an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect (earlier copies: ${copies.join(', ') || 'none'})`,
          },
        ];
      return step.of === undefined && copies.length === 0
        ? [
            {
              path: at,
              message: 'db.assert needs an earlier db.restoreDump, or sql.clone / sql.restoreBackup with connect',
            },
          ]
        : [];
    }
    case 'sql.clone':
    case 'sql.restoreBackup':
      return step.database === undefined
        ? []
        : referenceIssues([...at, 'database'], 'database', step.database, estate.databases, {
            test: (db) => db.kind === 'cloud-sql',
            expected: 'a cloud-sql entry of databases',
          });
    case 'run.deploy':
      return referenceIssues([...at, 'service'], 'service', step.service, estate.services, {
        test: (s) => s.platform === 'cloud-run',
        expected: 'a cloud-run entry of services',
      });
    case 'http.check': {
      const ref = /^\{\{([a-z][a-z0-9-]*)\.url\}\}/.exec(step.url)?.[1];
      const deployed = earlier.filter((s) => s.step === 'run.deploy').map((s) => s.name);
      return ref !== undefined && !deployed.includes(ref)
        ? [
            {
              path: [...at, 'url'],
              message: `"${ref}" is not an earlier run.deploy step (earlier: ${deployed.join(', ') || 'none'})`,
            },
          ]
        : [];
    }
    default:
      return [];
  }
}

/**
 * Every problem of one plan against the estate, at its key path: backups, databases and services it names exist
 * and have the right kind, step names are unique, references point at earlier steps, and the engines of the
 * restored copies agree with the backups' restore tests and with the heartbeat's database.
 */
export function planIssues(estate: Estate, planName: string, plan: DrillPlan): ConfigIssue[] {
  const steps = nameSteps(plan);
  const root = ['drills', planName];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    const at = [...root, 'steps', i];
    if (seen.has(step.name)) issues.push({ path: [...at, 'name'], message: `"${step.name}" is used twice` });
    seen.add(step.name);
    issues.push(...stepIssues(estate, step, at, steps.slice(0, i)));
  });
  if (plan.heartbeat) {
    const path = [...root, 'heartbeat', 'database'];
    const { database } = plan.heartbeat;
    issues.push(
      ...referenceIssues(path, 'database', database, estate.databases, {
        test: (db) => db.kind !== 'cloud-sql',
        expected: 'a postgres or mysql entry of databases',
      }),
    );
    const kind = entryOf(estate.databases, database)?.kind;
    // The heartbeat row is read back from the recovered copy: a copy of another engine cannot hold it.
    for (const [i, step] of steps.entries()) {
      const engine = copyEngine(step);
      if (engine !== undefined && (kind === 'postgres' || kind === 'mysql') && engine !== kind)
        issues.push({
          path: [...root, 'steps', i],
          message: `the copy is ${engine} but heartbeat.database "${database}" is ${kind}: its heartbeat cannot be read from it`,
        });
    }
  }
  plan.checklist.forEach((item, i) => {
    if (!seen.has(item.step))
      issues.push({
        path: [...root, 'checklist', i, 'step'],
        message: `no step named "${item.step}" (steps: ${[...seen].join(', ')})`,
      });
  });
  return issues;
}

/** The plans a job starts: its payload's `plan` when the job runs drDrill. */
function scheduledPlanIssues(estate: Estate, context: EstateContext): ConfigIssue[] {
  const plans = Object.keys(estate.drills);
  return Object.entries(estate.schedules).flatMap(([name, override]): ConfigIssue[] => {
    const job = context.jobs?.find((j) => j.name === name);
    if (job?.function !== 'drDrill' || (override.paused ?? job.paused)) return [];
    const plan = (override.payload ?? job.payload).plan;
    if (typeof plan !== 'string') return [];
    const path = override.payload === undefined ? ['schedules', name] : ['schedules', name, 'payload', 'plan'];
    return referenceIssues(path, 'drill plan', plan, estate.drills).map((issue) =>
      override.payload === undefined
        ? {
            ...issue,
            message: `job "${name}" starts plan "${plan}", which this estate has not (plans: ${plans.join(', ') || 'none'})`,
          }
        : issue,
    );
  });
}

/** The `drills` section's cross-references: every plan's, and the plans the estate's schedules start. */
export function drillReferenceIssues(estate: Estate, context: EstateContext): ConfigIssue[] {
  return [
    ...Object.entries(estate.drills).flatMap(([name, plan]) => planIssues(estate, name, plan)),
    ...scheduledPlanIssues(estate, context),
  ];
}
