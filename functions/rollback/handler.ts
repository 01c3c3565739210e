import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction } from '../../shared/core/run/index.js';
import { defaultRollbackDeps, type RollbackDeps } from './deps.js';
import { type RollbackInput, RollbackInputSchema } from './input.js';
import { onAlert } from './on-alert.js';
import { onManual } from './on-manual.js';

/** Builds the rollback function over the given dependencies (platforms, metrics, clock for the settle wait). */
export function createRollback(deps: RollbackDeps = defaultRollbackDeps()): FunctionDefinition<RollbackInput> {
  return defineFunction({
    name: 'rollback',
    description:
      'Rolls back a Cloud Run revision or a Kubernetes rollout on a confirmed error-rate alert, then verifies recovery.',
    triggers: ['alert', 'manual'],
    input: RollbackInputSchema,
    run: (ctx, input) => {
      if (ctx.trigger.kind === 'alert') return onAlert(ctx, ctx.trigger.alert, deps);
      if (!input) throw new Error('manual rollback without a validated input');
      return onManual(ctx, input, deps);
    },
  });
}

/** The rollback function with production dependencies, as registered with the runtime. */
export const rollback = createRollback();
