import { ShardRefSchema, uniqueList } from '../../shared/core/run/index.js';
import * as z from '../../shared/core/schema/index.js';

/** Payload of a scheduled or manual run: optionally only some endpoints (`host:port`, host or servername). */
export const CertExpiryInputSchema = z.strictObject({
  endpoints: z.optional(
    uniqueList(
      z
        .string()
        .check(
          z.minLength(1, 'expected an endpoint like "api.example.com:443"'),
          z.maxLength(300, 'expected an endpoint of at most 300 characters'),
        ),
      'endpoints',
    ),
  ),
  /** Set by the run itself on each shard of a run split into shards (`limits.shards`); refused from callers. */
  shard: z.optional(ShardRefSchema),
});
export type CertExpiryInput = z.infer<typeof CertExpiryInputSchema>;
