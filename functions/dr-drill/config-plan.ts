import { DurationSchema, NameSchema } from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';
import { DrillStepSchema, StepNameSchema } from './config-steps.js';
import { HEARTBEAT_TABLE } from './heartbeat-table.js';

const MINUTE = 60_000;

/** One drill plan: targets, optional approval and heartbeat, the steps and the runbook checklist. */
export const DrillPlanSchema = z
  .strictObject({
    description: z._default(z.string(), ''),
    targets: z.strictObject({ rto: DurationSchema, rpo: DurationSchema }),
    approval: z._default(z.enum(['none', 'required']), 'none'),
    /** A drill left waiting for approval this long is cancelled by the janitor. */
    approvalTimeout: z._default(DurationSchema, 24 * 60 * MINUTE),
    heartbeat: z.optional(
      z.strictObject({
        database: NameSchema,
        table: z._default(
          z
            .string()
            .check(
              z.regex(
                HEARTBEAT_TABLE,
                'expected a table of opsfn\'s own, named like "opsfn_heartbeat": opsfn creates and writes it in production',
              ),
            ),
          'opsfn_heartbeat',
        ),
      }),
    ),
    /** Resources are labelled to expire this long after the drill starts; the janitor deletes them then. */
    ttl: z._default(DurationSchema, 12 * 60 * MINUTE),
    checklist: z._default(
      z.array(z.strictObject({ item: z.string().check(z.minLength(1)), step: StepNameSchema })),
      [],
    ),
    steps: z.array(DrillStepSchema).check(z.minLength(1, 'expected at least one step')),
  })
  .check(
    z.superRefine((plan, ctx) => {
      plan.steps.forEach((step, i) => {
        if (step.step === 'cleanup' && i !== plan.steps.length - 1) {
          ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'cleanup must be the last step' });
        }
      });
    }),
  );
export type DrillPlan = z.infer<typeof DrillPlanSchema>;
