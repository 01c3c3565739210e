import { LockedError } from '../../shared/core/errors/index.js';
import type { Trigger } from '../../shared/core/events/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { CopyConnect } from './config.js';
import type { DrDrillDeps } from './deps.js';
import { DRILL_RECORD_TTL_MS, type DrillRecord, drillKey, isOver } from './model.js';
import { cloudPrefix, databasePrefix, resourceName } from './naming.js';
import { CREATING_STEPS, type NamedStep, resolvePlan } from './plan.js';
import { drillItems } from './result.js';

/** Marks the one drill of a plan that may run at a time. */
export const activeKey = (plan: string) => `drDrill:active:${plan}`;

/** Who started a run, as recorded on the drill and compared with the approver. */
export function callerOf(trigger: Trigger): string {
  if (trigger.kind === 'manual') return trigger.caller ?? 'anonymous';
  if (trigger.kind === 'scheduled') return `scheduler:${trigger.job}`;
  return 'alert';
}

/** The account behind `callerOf` when the caller has more than one name (an OIDC subject). */
function principalOf(trigger: Trigger): string | undefined {
  if (trigger.kind !== 'manual' || trigger.principal === undefined) return undefined;
  return trigger.principal === callerOf(trigger) ? undefined : trigger.principal;
}

/**
 * Starts a drill of `planName`: checks the plan against the estate, refuses a second concurrent
 * drill of the same plan, and stores the state machine. Returns the new record, or, to a redelivery of
 * the trigger that started the plan's running drill (whose continuation was not sent), that drill.
 */
export async function startDrill(ctx: Context, ports: DrDrillDeps, planName: string): Promise<DrillRecord> {
  const { plan, steps } = resolvePlan(ctx.config, planName);
  const running = await ctx.state.get<string>(activeKey(planName));
  if (running) {
    const other = await ctx.state.get<DrillRecord>(drillKey(running));
    if (other && !isOver(other.status) && other.startTrigger === ctx.trigger.id) {
      ctx.log.audit({
        decision: 'decided',
        action: 'drill.start',
        target: other.id,
        reason: `plan ${planName}: a redelivery of the trigger that started drill ${other.id}, which goes on`,
      });
      return other;
    }
    if (other && !isOver(other.status)) {
      throw new LockedError(
        `drill ${running} of plan ${planName} is still ${other.status}; one drill per plan at a time`,
      );
    }
  }
  const now = ctx.now().toISOString();
  const drill: DrillRecord = {
    id: ports.newId(),
    plan: planName,
    definition: plan,
    status: 'running',
    startedAt: now,
    startedBy: callerOf(ctx.trigger),
    ...(principalOf(ctx.trigger) ? { startedByPrincipal: principalOf(ctx.trigger) } : {}),
    startTrigger: ctx.trigger.id,
    updatedAt: now,
    steps: steps.map((s) => ({ name: s.name, step: s.step, status: 'pending', attempts: 0 })),
    resources: [],
    runs: [ctx.runId],
  };
  await ctx.state.put(drillKey(drill.id), drill, DRILL_RECORD_TTL_MS);
  await ctx.state.put(activeKey(planName), drill.id, DRILL_RECORD_TTL_MS);
  ctx.log.audit({
    decision: 'decided',
    action: 'drill.start',
    target: drill.id,
    reason: `plan ${planName}`,
    evidence: { steps: steps.map((s) => s.name) },
  });
  return drill;
}

const connectsTo = (connect: CopyConnect | undefined) =>
  connect ? `, then connect to its ${connect.ipType} address` : '';

function describeStep(step: NamedStep, id: string): string {
  switch (step.step) {
    case 'db.restoreDump':
      return `restore the newest dump of backup ${step.backup} into scratch database ${resourceName('scratch-db', id, step.name)}`;
    case 'db.assert':
      return `run ${step.assertions.length} read-only SQL assertion${step.assertions.length === 1 ? '' : 's'} on the recovered copy${step.of ? ` of step ${step.of}` : ''}`;
    case 'sql.clone':
      return `clone Cloud SQL ${step.database ?? `${step.project}/${step.instance}`} into ${resourceName('cloud-sql', id, step.name)}${step.pointInTime ? ` at ${step.pointInTime}` : ''}${connectsTo(step.connect)}`;
    case 'sql.restoreBackup':
      return `restore the latest successful backup of ${step.database ?? `${step.project}/${step.instance}`} into ${resourceName('cloud-sql', id, step.name)}${connectsTo(step.connect)}`;
    case 'run.deploy':
      return `deploy ${resourceName('cloud-run', id, step.name)} in ${step.region} from the current image of service ${step.service}`;
    case 'http.check':
      return `${step.method} ${step.url} expecting ${JSON.stringify(step.expect.status)}`;
    case 'wait':
      return `wait ${Math.round(step.duration / 1000)}s`;
    case 'cleanup':
      return `delete every resource recorded by the drill (prefix ${cloudPrefix(id)} / ${databasePrefix(id)})`;
  }
}

/** Dry-run: resolves the plan and lists what each step would do; creates, writes and deletes nothing. */
export async function planOnly(ctx: Context, planName: string): Promise<RunResult> {
  const { plan, steps } = resolvePlan(ctx.config, planName);
  const id = '00000000';
  for (const step of steps) {
    // Through the guard only in a dry-run context, where it records the action and calls nothing.
    if (!ctx.dryRun || !CREATING_STEPS.has(step.step)) continue;
    const kind = step.step === 'db.restoreDump' ? 'scratch-db' : step.step === 'run.deploy' ? 'cloud-run' : 'cloud-sql';
    await ctx.act(`drill.create-${kind}`, resourceName(kind, id, step.name), async () => undefined, {
      change: { step: step.name, what: describeStep(step, id) },
    });
  }
  const items = drillItems({
    steps: steps.map((s) => ({
      name: s.name,
      step: s.step,
      status: 'skipped',
      attempts: 0,
      detail: `would ${describeStep(s, id).replaceAll(id, '<id>')}`,
    })),
  } as DrillRecord);
  const gate = plan.approval === 'required' ? '; a second person must approve before the first creating step' : '';
  for (const item of items) ctx.progress(`${item.name}: ${item.detail}`);
  return {
    outcome: 'ok',
    summary: `dry-run: drill plan ${planName} has ${steps.length} steps (targets RTO ${plan.targets.rto / 1000}s, RPO ${plan.targets.rpo / 1000}s)${gate}; nothing was touched`,
    items,
    extra: { plan: planName, targets: { rto: plan.targets.rto / 1000, rpo: plan.targets.rpo / 1000 } },
  };
}
