import * as z from 'zod';
import { NameSchema } from '../../shared/core/config/index.js';
import { ShardRefSchema, uniqueList } from '../../shared/core/run/index.js';

/** Payload of a scheduled or manual run. */
export const BackupVerifyInputSchema = z.strictObject({
  /** Verify only these backups (default: all); a name given twice is verified once. */
  backups: uniqueList(NameSchema, 'backups', 1).optional(),
  /** Run the self-test instead of verifying backups. */
  selfTest: z.boolean().optional(),
  /** Run restore tests now, whatever `restoreEvery` says. */
  restore: z.boolean().optional(),
  /** Only drop scratch databases that runs left behind past their deadline (`opsfn sweep`). */
  sweep: z.boolean().optional(),
  /** Set by the run itself on each shard of a run split into shards (`limits.shards`); refused from callers. */
  shard: ShardRefSchema.optional(),
  /** Set by a restore test whose load runs as a job, on the invocations that wait for it; refused from callers. */
  restoreJob: NameSchema.optional(),
});
export type BackupVerifyInput = z.infer<typeof BackupVerifyInputSchema>;
