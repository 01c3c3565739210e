import { NameSchema } from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

/**
 * The payload of scheduled and manual triggers: `{}` sweeps every due check; a manual run may name a `service`
 * or `checks` to run now, whatever their `every`.
 */
export const HealthSweepInputSchema = z.strictObject({
  /** Run the checks of this estate service now. */
  service: z.optional(NameSchema),
  /** Run these checks now. */
  checks: z.optional(z.array(NameSchema).check(z.minLength(1, 'expected at least one check name'), z.maxLength(1_000))),
});
export type HealthSweepInput = z.infer<typeof HealthSweepInputSchema>;
