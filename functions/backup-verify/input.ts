import { NameSchema } from '../../shared/core/config/index.js';
import { ShardRefSchema, uniqueList } from '../../shared/core/run/index.js';
import * as z from '../../shared/core/schema/index.js';

/** Payload of a scheduled or manual run. */
export const BackupVerifyInputSchema = z.strictObject({
  /** Verify only these backups (default: all); a name given twice is verified once. */
  backups: z.optional(uniqueList(NameSchema, 'backups', 1)),
  /** Run the self-test instead of verifying backups. */
  selfTest: z.optional(z.boolean()),
  /** Run restore tests now, whatever `restoreEvery` says. */
  restore: z.optional(z.boolean()),
  /** Only drop scratch databases that runs left behind past their deadline (`opsfn sweep`). */
  sweep: z.optional(z.boolean()),
  /** Set by the run itself on each shard of a run split into shards (`limits.shards`); refused from callers. */
  shard: z.optional(ShardRefSchema),
  /** Set by a restore test whose load runs as a job, on the invocations that wait for it; refused from callers. */
  restoreJob: z.optional(NameSchema),
});
export type BackupVerifyInput = z.infer<typeof BackupVerifyInputSchema>;
