import * as z from '../../schema/index.js';
import { LabelsSchema } from '../types.js';

/** Which alerts a policy answers: every given field must match. */
export const PolicyMatchSchema = z
  .strictObject({
    alert: z.optional(z.string().check(z.minLength(1))),
    policy: z.optional(z.string().check(z.minLength(1))),
    labels: z.optional(LabelsSchema),
  })
  .check(
    z.refine(
      (m) =>
        m.alert !== undefined || m.policy !== undefined || (m.labels !== undefined && Object.keys(m.labels).length > 0),
      {
        // An empty `labels` narrows nothing: the policy would answer every alert.
        message: 'expected at least one of "alert", "policy" or a non-empty "labels"',
      },
    ),
  );
/** A validated `match` of an alert-driven policy. */
export type PolicyMatch = z.infer<typeof PolicyMatchSchema>;
