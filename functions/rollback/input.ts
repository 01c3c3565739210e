import * as z from 'zod';
import { PayloadLimits, PayloadTextSchema } from '../../shared/runtime/payload.js';

/** A manual request: roll a service back (optionally to a named revision), or release a Cloud Run pin. */
export const RollbackInputSchema = z.strictObject({
  action: z.enum(['rollback', 'release-pin']).default('rollback'),
  /** A key of the estate's `services`. */
  service: z.string().min(1, 'expected the estate service key').max(PayloadLimits.nameLength),
  toRevision: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a revision or ReplicaSet name')
    .optional(),
  reason: PayloadTextSchema.min(1, 'expected a reason for the audit trail'),
});
export type RollbackInput = z.infer<typeof RollbackInputSchema>;
