import * as z from 'zod';
import { DurationSchema, NameSchema } from '../../shared/core/config/index.js';
import { DrillStepSchema, StepNameSchema } from './config-steps.js';

const MINUTE = 60_000;

/** One drill plan: targets, optional approval and heartbeat, the steps and the runbook checklist. */
export const DrillPlanSchema = z
  .strictObject({
    description: z.string().default(''),
    targets: z.strictObject({ rto: DurationSchema, rpo: DurationSchema }),
    approval: z.enum(['none', 'required']).default('none'),
    /** A drill left waiting for approval this long is cancelled by the janitor. */
    approvalTimeout: DurationSchema.default(24 * 60 * MINUTE),
    heartbeat: z
      .strictObject({
        database: NameSchema,
        table: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a table name like "opsfn_heartbeat"')
          .default('opsfn_heartbeat'),
      })
      .optional(),
    /** Resources are labelled to expire this long after the drill starts; the janitor deletes them then. */
    ttl: DurationSchema.default(12 * 60 * MINUTE),
    checklist: z.array(z.strictObject({ item: z.string().min(1), step: StepNameSchema })).default([]),
    steps: z.array(DrillStepSchema).min(1, 'expected at least one step'),
  })
  .superRefine((plan, ctx) => {
    plan.steps.forEach((step, i) => {
      if (step.step === 'cleanup' && i !== plan.steps.length - 1) {
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'cleanup must be the last step' });
      }
    });
  });
export type DrillPlan = z.infer<typeof DrillPlanSchema>;
