import type { Context } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import { DRILL_RECORD_TTL_MS, type DrillRecord, drillKey, type ResourceRecord } from './model.js';
import { assertDrillResource, expiryFrom } from './naming.js';
import type { NamedStep } from './plan.js';
import type { StepEnv } from './steps/types.js';
import { drillSecret } from './unseal.js';

/** Persists a drill record, stamping the time. */
export async function saveDrill(ctx: Context, drill: DrillRecord): Promise<void> {
  drill.updatedAt = ctx.now().toISOString();
  await ctx.state.put(drillKey(drill.id), drill, DRILL_RECORD_TTL_MS);
}

/** The environment steps of one invocation run in; `deadline` is when this invocation should hand over. */
export function stepEnv(
  ctx: Context,
  ports: DrDrillDeps,
  drill: DrillRecord,
  steps: readonly NamedStep[],
  deadline: number,
  stepName: string,
): StepEnv {
  const save = () => saveDrill(ctx, drill);
  return {
    ctx,
    drill,
    steps,
    ports,
    save,
    async track(resource) {
      assertDrillResource(resource.kind, resource.name, drill.id);
      const known = drill.resources.find((r) => r.kind === resource.kind && r.name === resource.name);
      if (known) return known;
      const record: ResourceRecord = {
        ...resource,
        step: stepName,
        expiresAt: expiryFrom(ctx.now(), drill.definition.ttl).toISOString(),
        state: 'recorded',
        recordedAt: ctx.now().toISOString(),
      };
      drill.resources.push(record);
      // Written before the create call: a crash right after creating must still leave a trace to clean up.
      await save();
      return record;
    },
    async created(name) {
      const record = drill.resources.find((r) => r.name === name);
      if (record && record.state === 'recorded') record.state = 'created';
      await save();
    },
    budgetMs: () => deadline - ctx.now().getTime(),
    secret: drillSecret(ctx, drill.plan),
  };
}
