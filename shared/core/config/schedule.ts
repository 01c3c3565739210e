import { Cron } from 'croner';
import * as z from 'zod';
import { DurationSchema } from './types.js';

/** A unix-cron expression croner accepts (`30 3 * * *`), as Cloud Scheduler takes it. */
export const CronSchema = z.string().refine((expr) => {
  try {
    new Cron(expr, { paused: true });
    return true;
  } catch {
    return false;
  }
}, 'expected a unix-cron expression like "30 3 * * *"');

/** The name of a Scheduler job: its file name under `schedules/` and its Cloud Scheduler job's suffix. */
export const JobNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{2,62}$/, 'expected a job name like "backup-verify" (3-63 chars, a-z0-9-)');

/**
 * One Cloud Scheduler job (`schedules/<name>.yaml`): the single source for Terraform (`yamldecode`)
 * and the embedded scheduler of `opsfn serve`; an estate's `schedules` section overrides it per estate.
 */
export const ScheduleSchema = z.strictObject({
  name: JobNameSchema,
  description: z.string().default(''),
  schedule: CronSchema,
  /** IANA zone; when omitted the estate's `timezone` applies. */
  timeZone: z.string().optional(),
  /** The entry point the job starts (`backupVerify`). */
  function: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'expected a camelCase entry point like "backupVerify"'),
  payload: z.record(z.string(), z.unknown()).default({}),
  retry: z
    .strictObject({
      count: z.number().int().min(0).max(5).default(1),
      minBackoff: DurationSchema.default(10_000),
      maxBackoff: DurationSchema.default(300_000),
      maxDoublings: z.number().int().min(0).max(16).default(3),
    })
    .prefault({}),
  paused: z.boolean().default(false),
});
export type Schedule = z.infer<typeof ScheduleSchema>;
