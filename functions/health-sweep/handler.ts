import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction } from '../../shared/core/run/index.js';
import { defaultHealthSweepDeps, type HealthSweepDeps } from './deps.js';
import { type HealthSweepInput, HealthSweepInputSchema } from './input.js';
import { onAlert } from './on-alert.js';
import { onRun } from './on-run.js';

/** Builds the health sweep over the given dependencies (platform adapters, HTTP agents, credentials, clock). */
export function createHealthSweep(
  deps: HealthSweepDeps = defaultHealthSweepDeps(),
): FunctionDefinition<HealthSweepInput> {
  return defineFunction({
    name: 'healthSweep',
    description:
      'Runs the health, readiness, database, Redis, stream, TCP, PromQL and platform checks; pages on the way down and up, restarts only through the guard.',
    triggers: ['scheduled', 'manual', 'alert'],
    input: HealthSweepInputSchema,
    run: (ctx, input) =>
      ctx.trigger.kind === 'alert' ? onAlert(ctx, deps, ctx.trigger.alert) : onRun(ctx, deps, input),
  });
}

/** The health sweep with production dependencies, as registered with the runtime. */
export const healthSweep = createHealthSweep();
