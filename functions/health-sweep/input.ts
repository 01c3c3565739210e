import * as z from 'zod';
import { NameSchema } from '../../shared/core/config/index.js';

/**
 * The payload of scheduled and manual triggers: `{}` sweeps every due check; a manual run may name a `service`
 * or `checks` to run now, whatever their `every`.
 */
export const HealthSweepInputSchema = z.strictObject({
  /** Run the checks of this estate service now. */
  service: NameSchema.optional(),
  /** Run these checks now. */
  checks: z.array(NameSchema).min(1, 'expected at least one check name').max(1_000).optional(),
});
export type HealthSweepInput = z.infer<typeof HealthSweepInputSchema>;
