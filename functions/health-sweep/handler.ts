import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { HealthSweepDeps } from './deps.js';
import { type HealthSweepInput, HealthSweepInputSchema } from './input.js';

/** Builds the health sweep over the given dependencies (platform adapters, HTTP agents, credentials, clock). */
export function createHealthSweep(deps?: HealthSweepDeps): FunctionDefinition<HealthSweepInput> {
  // The sweep, its checks and the production dependencies load on the first run, not at a cold start.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultHealthSweepDeps());
  return defineFunction({
    name: 'healthSweep',
    description:
      'Runs the health, readiness, database, Redis, stream, TCP, PromQL and platform checks; pages on the way down and up, restarts only through the guard.',
    triggers: ['scheduled', 'manual', 'alert'],
    input: HealthSweepInputSchema,
    run: async (ctx, input) => {
      const resolved = await depsOf();
      if (ctx.trigger.kind === 'alert') {
        const { onAlert } = await import('./on-alert.js');
        return onAlert(ctx, resolved, ctx.trigger.alert);
      }
      const { onRun } = await import('./on-run.js');
      return onRun(ctx, resolved, input);
    },
  });
}

/** The health sweep with production dependencies, as registered with the runtime. */
export const healthSweep = createHealthSweep();
