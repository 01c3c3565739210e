import * as z from 'zod';
import { LabelsSchema } from '../types.js';

/** Which alerts a policy answers: every given field must match. */
export const PolicyMatchSchema = z
  .strictObject({
    alert: z.string().min(1).optional(),
    policy: z.string().min(1).optional(),
    labels: LabelsSchema.optional(),
  })
  .refine((m) => m.alert !== undefined || m.policy !== undefined || m.labels !== undefined, {
    message: 'expected at least one of "alert", "policy" or "labels"',
  });
/** A validated `match` of an alert-driven policy. */
export type PolicyMatch = z.infer<typeof PolicyMatchSchema>;
