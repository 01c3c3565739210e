import * as z from 'zod';
import { entryOf } from '../../shared/core/config/index.js';
import { LockedError } from '../../shared/core/errors/index.js';
import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, PayloadLimits } from '../../shared/core/run/index.js';
import { advance } from './engine.js';
import { writeHeartbeats } from './heartbeat.js';
import { runJanitor } from './janitor.js';
import { DRILL_ID } from './naming.js';
import { type DrillPorts, defaultPorts } from './ports.js';
import { drillResult } from './result.js';
import { drillRoutes } from './routes.js';
import { planOnly, startDrill } from './start.js';

/** What drDrill accepts: a plan to start, a drill to advance (continuations), or a janitor/heartbeat task. */
export const DrDrillInputSchema = z
  .strictObject({
    plan: z.string().min(1).max(PayloadLimits.nameLength).optional(),
    drill: z.string().regex(DRILL_ID, 'expected a drill id of 8 hex digits').optional(),
    task: z.enum(['janitor', 'heartbeat']).optional(),
    dryRun: z.boolean().optional(),
    /** Drive every step in this invocation with progress (the CLI's `opsfn invoke drDrill --plan`). */
    foreground: z.boolean().optional(),
  })
  .refine((i) => [i.plan, i.drill, i.task].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of "plan" (start a drill), "drill" (continue one) or "task" (janitor, heartbeat)',
  });
export type DrDrillInput = z.infer<typeof DrDrillInputSchema>;

/** Builds drDrill with its ports; tests hand in their own (ids, clocks, poll intervals). */
export function createDrDrill(overrides: Partial<DrillPorts> = {}): FunctionDefinition<DrDrillInput> {
  return defineFunction<DrDrillInput>({
    name: 'drDrill',
    description: 'DR drills: restore, deploy and check a recovered copy, measure RTO and RPO, always clean up, report.',
    triggers: ['manual', 'scheduled'],
    input: DrDrillInputSchema,
    routes: drillRoutes,
    async run(ctx, input) {
      const ports = defaultPorts(overrides);
      const payload = input ?? {};
      if (payload.task === 'janitor') {
        const swept = await runJanitor(ctx, ports);
        const beats = await writeHeartbeats(ctx, ports);
        return {
          ...swept,
          outcome: swept.outcome === 'fail' || beats.outcome === 'fail' ? 'fail' : 'ok',
          summary: `${swept.summary}; ${beats.summary}`,
          extra: { heartbeats: beats.items },
        };
      }
      if (payload.task === 'heartbeat') return writeHeartbeats(ctx, ports);
      if (payload.drill !== undefined) return advance(ctx, ports, payload.drill, false);
      const plan = payload.plan as string;
      // Schedules are shared by every estate; a quarterly job for a plan this estate does not define is not an error.
      if (ctx.trigger.kind === 'scheduled' && entryOf(ctx.config.drills, plan) === undefined) {
        return { outcome: 'skipped', summary: `no drill plan "${plan}" in estate ${ctx.config.estate}: nothing to do` };
      }
      if (payload.dryRun === true || ctx.dryRun) return planOnly(ctx, plan);
      // The CLI's manual triggers have ids `cli:<uuid>`: a person at a terminal watches the drill run.
      const foreground = payload.foreground ?? (ctx.trigger.kind === 'manual' && ctx.trigger.id.startsWith('cli:'));
      let drill: Awaited<ReturnType<typeof startDrill>>;
      try {
        drill = await startDrill(ctx, ports, plan);
      } catch (error) {
        // A scheduled start that finds the plan's previous drill still going is skipped, not retried.
        if (error instanceof LockedError && ctx.trigger.kind === 'scheduled')
          return { outcome: 'skipped', summary: error.message };
        throw error;
      }
      if (foreground) return advance(ctx, ports, drill.id, true);
      await ctx.continue(`${drill.id}:start`, { drill: drill.id });
      return {
        ...drillResult(drill),
        accepted: true,
        summary: `drill ${drill.id} of plan ${plan} started; progress at GET /drDrill?id=${drill.id}`,
      };
    },
  });
}

/** The DR drill function as registered with the runtime. */
export const drDrill = createDrDrill();
