import { NameSchema } from '../../shared/core/config/index.js';
import { PayloadTextSchema } from '../../shared/core/run/index.js';
import * as z from '../../shared/core/schema/index.js';

const Count = z.number().check(z.int('expected a whole number'), z.gte(0), z.lte(10_000));

/**
 * The payload of scheduled and manual triggers: a sweep (`{}` from the schedule, `{ "sweep": true }` by
 * hand), or a manual request setting one bound of one service, with a reason for the audit trail.
 */
export const AutoscaleInputSchema = z
  .strictObject({
    sweep: z.optional(z.literal(true)),
    service: z.optional(NameSchema),
    replicas: z.optional(Count),
    min: z.optional(Count),
    max: z.optional(Count),
    reason: z.optional(PayloadTextSchema),
    /** Allows a value above the policy's `up.max`. */
    force: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((v, ctx) => {
      const values = [v.replicas, v.min, v.max].filter((x) => x !== undefined).length;
      if (v.service === undefined && values === 0 && v.reason === undefined && v.force === undefined) return;
      if (v.sweep)
        ctx.addIssue({ code: 'custom', path: ['sweep'], message: 'give either "sweep" or a scaling request' });
      if (v.service === undefined) ctx.addIssue({ code: 'custom', path: ['service'], message: 'expected the service' });
      if (values !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of "replicas", "min" or "max"' });
      if (!v.reason?.trim()) {
        ctx.addIssue({ code: 'custom', path: ['reason'], message: 'expected a reason for the audit trail' });
      }
    }),
  );
export type AutoscaleInput = z.infer<typeof AutoscaleInputSchema>;

/** A validated manual request. */
export interface ManualScale {
  service: string;
  replicas?: number;
  min?: number;
  max?: number;
  reason: string;
  force?: boolean;
}

/** The manual request in a validated input, if it is one. */
export function manualRequest(input: AutoscaleInput | undefined): ManualScale | undefined {
  if (input?.service === undefined || input.reason === undefined) return undefined;
  return { ...input, service: input.service, reason: input.reason.trim() };
}
