import type { FunctionDefinition } from '../../shared/core/run/index.js';
import { defineFunction, depsOnFirstRun } from '../../shared/core/run/index.js';
import type { DrDrillDeps } from './deps.js';
import { type DrDrillInput, DrDrillInputSchema } from './input.js';
import { drillRoutes } from './routes.js';

/** Builds drDrill over the given dependencies (ids, clocks, scratch servers, cloud clients); tests hand in their own. */
export function createDrDrill(deps?: DrDrillDeps): FunctionDefinition<DrDrillInput> {
  // The run and the production dependencies (scratch servers, cloud clients) load on the first run.
  const depsOf = depsOnFirstRun(deps, async () => (await import('./deps.js')).defaultDrDrillDeps());
  return defineFunction<DrDrillInput>({
    name: 'drDrill',
    description: 'DR drills: restore, deploy and check a recovered copy, measure RTO and RPO, always clean up, report.',
    triggers: ['manual', 'scheduled'],
    input: DrDrillInputSchema,
    routes: drillRoutes,
    flags: [{ flag: 'plan', field: 'plan', type: 'string', value: 'NAME' }],
    run: async (ctx, input) => {
      const [{ runDrDrill }, resolved] = await Promise.all([import('./run.js'), depsOf()]);
      return runDrDrill(ctx, input, resolved);
    },
  });
}

/** drDrill with production dependencies, as registered with the runtime. */
export const drDrill = createDrDrill();
