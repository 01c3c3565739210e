import { BadInputError } from '../../shared/core/errors/index.js';
import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { AutoscaleDeps } from './deps.js';
import { type AutoscaleInput, AutoscaleInputSchema, manualRequest } from './input.js';

/** Builds the autoscale function over the given dependencies (the platform adapters). */
export function createAutoscale(deps?: AutoscaleDeps): FunctionDefinition<AutoscaleInput> {
  // The steps, the platform clients and the production dependencies load on the first run.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultAutoscaleDeps());
  return defineFunction({
    name: 'autoscale',
    description:
      'Steps Cloud Run min/max instances or Kubernetes replicas (or an HPA minReplicas) up on an alert and back down after it resolves.',
    triggers: ['alert', 'manual', 'scheduled'],
    input: AutoscaleInputSchema,
    run: async (ctx, input) => {
      if (ctx.trigger.kind === 'alert') {
        const [{ onAlert }, resolved] = await Promise.all([import('./on-alert.js'), depsOf()]);
        return onAlert(ctx, ctx.trigger.alert, resolved);
      }
      const request = manualRequest(input);
      if (request) {
        if (ctx.trigger.kind !== 'manual') {
          throw new BadInputError('a scheduled autoscale job only sweeps: drop "service"');
        }
        const [{ onManual }, resolved] = await Promise.all([import('./on-manual.js'), depsOf()]);
        return onManual(ctx, request, resolved);
      }
      // Scheduled, `{}` or `{ "sweep": true }` by hand: a sweep is safe to run at any time.
      const [{ onSweep }, resolved] = await Promise.all([import('./on-sweep.js'), depsOf()]);
      return onSweep(ctx, resolved);
    },
    // Alertmanager repeats a firing alert every repeat_interval under the same id: it still fires.
    seenAgain: async (ctx) => {
      if (ctx.trigger.kind !== 'alert') return;
      const { noteRepeat } = await import('./on-alert.js');
      await noteRepeat(ctx, ctx.trigger.alert);
    },
  });
}

/** The autoscale function with production dependencies, as registered with the runtime. */
export const autoscale = createAutoscale();
