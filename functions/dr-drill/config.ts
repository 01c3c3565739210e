import type { ConfigSection } from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';
import { DrillPlanSchema } from './config-plan.js';
import { drillReferenceIssues } from './plan-refs.js';

export * from './config-plan.js';
export * from './config-steps.js';

/** `drills.<plan>`: DR drill plans run by drDrill. */
export const DrillsSchema = z._default(
  z.record(z.string(), DrillPlanSchema).check(
    z.superRefine((drills, ctx) => {
      for (const name of Object.keys(drills)) {
        // Plan names travel in schedules and URLs: keep them plain.
        if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `expected a plan name like "quarterly-db", got "${name}"`,
          });
        }
      }
    }),
  ),
  {},
);
export type Drills = z.infer<typeof DrillsSchema>;

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    drills: typeof DrillsSchema;
  }
}

/** The `drills` section of the estate. */
export const drDrillSection: ConfigSection<'drills'> = {
  key: 'drills',
  schema: DrillsSchema,
  check: drillReferenceIssues,
};
