import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { RollbackDeps } from './deps.js';
import { type RollbackInput, RollbackInputSchema } from './input.js';

/** Builds the rollback function over the given dependencies (platforms, metrics, clock for the settle wait). */
export function createRollback(deps?: RollbackDeps): FunctionDefinition<RollbackInput> {
  // The decision, the platform and metrics clients and the production dependencies load on the first run.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultRollbackDeps());
  return defineFunction({
    name: 'rollback',
    description:
      'Rolls back a Cloud Run revision or a Kubernetes rollout on a confirmed error-rate alert, then verifies recovery.',
    triggers: ['alert', 'manual'],
    input: RollbackInputSchema,
    run: async (ctx, input) => {
      const resolved = await depsOf();
      if (ctx.trigger.kind === 'alert') {
        const { onAlert } = await import('./on-alert.js');
        return onAlert(ctx, ctx.trigger.alert, resolved);
      }
      if (!input) throw new Error('manual rollback without a validated input');
      const { onManual } = await import('./on-manual.js');
      return onManual(ctx, input, resolved);
    },
  });
}

/** The rollback function with production dependencies, as registered with the runtime. */
export const rollback = createRollback();
