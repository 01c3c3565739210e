import * as z from 'zod';
import { PayloadLimits, PayloadTextSchema } from '../../shared/core/run/index.js';

/** A manual request: roll a service back (optionally to a named revision or compose image), or release a pin. */
export const RollbackInputSchema = z.strictObject({
  action: z.enum(['rollback', 'release-pin']).default('rollback'),
  /** A key of the estate's `services`. */
  service: z.string().min(1, 'expected the estate service key').max(PayloadLimits.nameLength),
  toRevision: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$/, 'expected a revision or ReplicaSet name, or an image for compose')
    .optional(),
  reason: PayloadTextSchema.min(1, 'expected a reason for the audit trail'),
});
export type RollbackInput = z.infer<typeof RollbackInputSchema>;
