import * as z from 'zod';
import { PayloadLimits } from '../../shared/core/run/index.js';
import { DRILL_ID } from './naming.js';

/** What drDrill accepts: a plan to start, a drill to advance (continuations), or a janitor/heartbeat task. */
export const DrDrillInputSchema = z
  .strictObject({
    plan: z.string().min(1).max(PayloadLimits.nameLength).optional(),
    drill: z.string().regex(DRILL_ID, 'expected a drill id of 8 hex digits').optional(),
    task: z.enum(['janitor', 'heartbeat']).optional(),
    dryRun: z.boolean().optional(),
    /** Drive every step in this invocation with progress (the CLI's `opsfn invoke drDrill --plan`). */
    foreground: z.boolean().optional(),
  })
  .refine((i) => [i.plan, i.drill, i.task].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of "plan" (start a drill), "drill" (continue one) or "task" (janitor, heartbeat)',
  });
export type DrDrillInput = z.infer<typeof DrDrillInputSchema>;
