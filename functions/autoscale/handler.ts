import { BadInputError } from '../../shared/core/errors/index.js';
import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction } from '../../shared/core/run/index.js';
import { type AutoscaleDeps, defaultAutoscaleDeps } from './deps.js';
import { type AutoscaleInput, AutoscaleInputSchema, manualRequest } from './input.js';
import { noteRepeat, onAlert } from './on-alert.js';
import { onManual } from './on-manual.js';
import { onSweep } from './on-sweep.js';

/** Builds the autoscale function over the given dependencies (the platform adapters). */
export function createAutoscale(deps: AutoscaleDeps = defaultAutoscaleDeps()): FunctionDefinition<AutoscaleInput> {
  return defineFunction({
    name: 'autoscale',
    description:
      'Steps Cloud Run min/max instances or Kubernetes replicas (or an HPA minReplicas) up on an alert and back down after it resolves.',
    triggers: ['alert', 'manual', 'scheduled'],
    input: AutoscaleInputSchema,
    run: (ctx, input) => {
      if (ctx.trigger.kind === 'alert') return onAlert(ctx, ctx.trigger.alert, deps);
      const request = manualRequest(input);
      if (request) {
        if (ctx.trigger.kind !== 'manual') {
          throw new BadInputError('a scheduled autoscale job only sweeps: drop "service"');
        }
        return onManual(ctx, request, deps);
      }
      // Scheduled, `{}` or `{ "sweep": true }` by hand: a sweep is safe to run at any time.
      return onSweep(ctx, deps);
    },
    // Alertmanager repeats a firing alert every repeat_interval under the same id: it still fires.
    seenAgain: async (ctx) => {
      if (ctx.trigger.kind === 'alert') await noteRepeat(ctx, ctx.trigger.alert);
    },
  });
}

/** The autoscale function with production dependencies, as registered with the runtime. */
export const autoscale = createAutoscale();
