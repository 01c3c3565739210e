import { z } from 'zod';
import { NameSchema } from '../../shared/config/types.js';

const Count = z.number().int('expected a whole number').min(0).max(10_000);

/** A manual request: set one bound of one service, with a reason for the audit trail. */
export const ManualScaleSchema = z
  .strictObject({
    service: NameSchema,
    replicas: Count.optional(),
    min: Count.optional(),
    max: Count.optional(),
    reason: z.string().trim().min(1, 'expected a reason for the audit trail'),
    /** Allows a value above the policy's `up.max`. */
    force: z.boolean().default(false),
  })
  .refine((m) => [m.replicas, m.min, m.max].filter((v) => v !== undefined).length === 1, {
    message: 'expected exactly one of "replicas", "min" or "max"',
  });
export type ManualScale = z.infer<typeof ManualScaleSchema>;

/** A sweep: the scheduled job's payload (`{}`), or `{ "sweep": true }` by hand. */
export const SweepSchema = z.strictObject({ sweep: z.literal(true).optional() });

/** The payload of scheduled and manual triggers. */
export const AutoscaleInputSchema = z.union([ManualScaleSchema, SweepSchema]);
export type AutoscaleInput = z.infer<typeof AutoscaleInputSchema>;
