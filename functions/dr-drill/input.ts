import { PayloadLimits } from '../../shared/core/run/index.js';
import * as z from '../../shared/core/schema/index.js';
import { DRILL_ID } from './naming.js';

/** What drDrill accepts: a plan to start, a drill to advance (continuations), or a janitor/heartbeat task. */
export const DrDrillInputSchema = z
  .strictObject({
    plan: z.optional(z.string().check(z.minLength(1), z.maxLength(PayloadLimits.nameLength))),
    drill: z.optional(z.string().check(z.regex(DRILL_ID, 'expected a drill id of 8 hex digits'))),
    task: z.optional(z.enum(['janitor', 'heartbeat'])),
    dryRun: z.optional(z.boolean()),
    /** Drive every step in this invocation with progress (the CLI's `opsfn invoke drDrill --plan`). */
    foreground: z.optional(z.boolean()),
  })
  .check(
    z.refine((i) => [i.plan, i.drill, i.task].filter((v) => v !== undefined).length === 1, {
      message: 'give exactly one of "plan" (start a drill), "drill" (continue one) or "task" (janitor, heartbeat)',
    }),
    // In the body, dryRun previews a plan; a task or a drill would run for real, so it is refused there.
    z.refine((i) => i.dryRun === undefined || i.plan !== undefined, {
      message:
        '"dryRun" in the body previews a "plan" only; for a task or a drill ask for a dry run (?dryRun=true, --dry-run)',
      path: ['dryRun'],
    }),
  );
export type DrDrillInput = z.infer<typeof DrDrillInputSchema>;
