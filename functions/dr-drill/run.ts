import { entryOf } from '../../shared/core/config/index.js';
import { LockedError } from '../../shared/core/errors/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import { advance } from './engine.js';
import { writeHeartbeats } from './heartbeat.js';
import type { DrDrillInput } from './input.js';
import { runJanitor } from './janitor.js';
import { drillResult } from './result.js';
import { planOnly, startDrill } from './start.js';

/**
 * One drDrill run: the janitor, a heartbeat, a drill's next step, or a plan's start. Loaded on the first run, not at a
 * cold start (handler.ts).
 */
export async function runDrDrill(ctx: Context, input: DrDrillInput | undefined, deps: DrDrillDeps): Promise<RunResult> {
  const payload = input ?? {};
  if (payload.task === 'janitor') {
    const swept = await runJanitor(ctx, deps);
    const beats = await writeHeartbeats(ctx, deps);
    return {
      ...swept,
      outcome: swept.outcome === 'fail' || beats.outcome === 'fail' ? 'fail' : 'ok',
      summary: `${swept.summary}; ${beats.summary}`,
      extra: { heartbeats: beats.items },
    };
  }
  if (payload.task === 'heartbeat') return writeHeartbeats(ctx, deps);
  if (payload.drill !== undefined) return advance(ctx, deps, payload.drill, false);
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
    drill = await startDrill(ctx, deps, plan);
  } catch (error) {
    // A scheduled start that finds the plan's previous drill still going is skipped, not retried.
    if (error instanceof LockedError && ctx.trigger.kind === 'scheduled')
      return { outcome: 'skipped', summary: error.message };
    throw error;
  }
  if (foreground) return advance(ctx, deps, drill.id, true);
  await ctx.continue(`${drill.id}:start`, { drill: drill.id });
  return {
    ...drillResult(drill),
    accepted: true,
    summary: `drill ${drill.id} of plan ${plan} started; progress at GET /drDrill?id=${drill.id}`,
  };
}
