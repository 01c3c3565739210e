import { PayloadLimits, PayloadTextSchema } from '../../shared/core/run/index.js';
import * as z from '../../shared/core/schema/index.js';

/** A manual request: roll a service back (optionally to a named revision or compose image), or release a pin. */
export const RollbackInputSchema = z.strictObject({
  action: z._default(z.enum(['rollback', 'release-pin']), 'rollback'),
  /** A key of the estate's `services`. */
  service: z.string().check(z.minLength(1, 'expected the estate service key'), z.maxLength(PayloadLimits.nameLength)),
  toRevision: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$/,
          'expected a revision or ReplicaSet name, or an image for compose',
        ),
      ),
  ),
  reason: PayloadTextSchema.check(z.minLength(1, 'expected a reason for the audit trail')),
});
export type RollbackInput = z.infer<typeof RollbackInputSchema>;
