import * as z from 'zod';
import { ShardRefSchema, uniqueList } from '../../shared/core/run/index.js';

/** Payload of a scheduled or manual run: optionally only some endpoints (`host:port`, host or servername). */
export const CertExpiryInputSchema = z.strictObject({
  endpoints: uniqueList(
    z
      .string()
      .min(1, 'expected an endpoint like "api.example.com:443"')
      // A DNS name is at most 253 characters; with brackets and a port the label stays under 300.
      .max(300, 'expected an endpoint of at most 300 characters'),
    'endpoints',
  ).optional(),
  /** Set by the run itself on each shard of a run split into shards (`limits.shards`); refused from callers. */
  shard: ShardRefSchema.optional(),
});
export type CertExpiryInput = z.infer<typeof CertExpiryInputSchema>;
