import { Cron } from 'croner';
import * as z from '../schema/index.js';
import { DurationSchema } from './types.js';

// Five fields of numbers, names (`fri`, `jan`), `*`, ranges, lists and steps: unix-cron as Cloud Scheduler takes
// it (a sixth, leading field of seconds only `opsfn serve` runs), not croner's other extensions (`L`, `#`,
// `@daily`, an ISO date that would run once).
const ITEM = String.raw`(?:\*|[0-9]+|[A-Za-z]{3})(?:-(?:[0-9]+|[A-Za-z]{3}))?(?:/[0-9]+)?`;
const FIELD = `${ITEM}(?:,${ITEM})*`;
const UNIX_CRON = new RegExp(`^${FIELD}(?:\\s+${FIELD}){4,5}$`);

/** A unix-cron expression (`30 3 * * *`), as Cloud Scheduler takes it, that croner also reads the same. */
export const CronSchema = z.string().check(
  z.refine((expr) => {
    if (!UNIX_CRON.test(expr.trim())) return false;
    try {
      new Cron(expr, { paused: true });
      return true;
    } catch {
      return false;
    }
  }, 'expected a unix-cron expression like "30 3 * * *" (a range such as fri-mon must not wrap)'),
);

/** The name of a Scheduler job: its file name under `schedules/` and its Cloud Scheduler job's suffix. */
export const JobNameSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{2,62}$/, 'expected a job name like "backup-verify" (3-63 chars, a-z0-9-)'));

/**
 * One Cloud Scheduler job (`schedules/<name>.yaml`): the single source for Terraform (`yamldecode`)
 * and the embedded scheduler of `opsfn serve`; an estate's `schedules` section overrides it per estate.
 */
export const ScheduleSchema = z.strictObject({
  name: JobNameSchema,
  description: z._default(z.string(), ''),
  schedule: CronSchema,
  /** IANA zone; when omitted the estate's `timezone` applies. */
  timeZone: z.optional(z.string()),
  /** The entry point the job starts (`backupVerify`). */
  function: z.string().check(z.regex(/^[a-z][A-Za-z0-9]*$/, 'expected a camelCase entry point like "backupVerify"')),
  payload: z._default(z.record(z.string(), z.unknown()), {}),
  retry: z.prefault(
    z.strictObject({
      count: z._default(z.number().check(z.int(), z.gte(0), z.lte(5)), 1),
      minBackoff: z._default(DurationSchema, 10_000),
      maxBackoff: z._default(DurationSchema, 300_000),
      maxDoublings: z._default(z.number().check(z.int(), z.gte(0), z.lte(16)), 3),
    }),
    {},
  ),
  paused: z._default(z.boolean(), false),
});
export type Schedule = z.infer<typeof ScheduleSchema>;
