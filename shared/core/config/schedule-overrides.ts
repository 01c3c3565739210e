import * as z from '../schema/index.js';
import { ConfigError } from './errors.js';
import { knownNames } from './references.js';
import { CronSchema, JobNameSchema, type Schedule } from './schedule.js';
import { isTimeZone } from './time-zone.js';

/**
 * `schedules.<job>` of an estate: what this estate changes of a packaged job (`schedules/<job>.yaml`), in
 * `opsfn serve` and in the Terraform Scheduler jobs alike; what it leaves out stays the job file's.
 */
export const ScheduleOverrideSchema = z.strictObject({
  schedule: z.optional(CronSchema),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone, 'expected an IANA time zone like "Asia/Shanghai"'))),
  paused: z.optional(z.boolean()),
  /** Replaces the job's payload as a whole. */
  payload: z.optional(z.record(z.string(), z.unknown())),
});
/** One validated override of a packaged job. */
export type ScheduleOverride = z.infer<typeof ScheduleOverrideSchema>;

/** The estate's `schedules` section: overrides by job name. */
export const ScheduleOverridesSchema = z._default(z.record(JobNameSchema, ScheduleOverrideSchema), {});

/** Where one value of an effective job comes from. */
export type ScheduleSource = 'estate' | 'job file' | 'estate timezone';

/** A packaged job with the estate's overrides applied, its time zone settled, and where each value came from. */
export interface EffectiveSchedule extends Schedule {
  timeZone: string;
  from: { schedule: ScheduleSource; timeZone: ScheduleSource; paused: ScheduleSource; payload: ScheduleSource };
}

/** What {@link effectiveSchedules} reads of an estate. */
export interface ScheduledEstate {
  timezone: string;
  schedules: Readonly<Record<string, ScheduleOverride>>;
}

/** The overrides that name no packaged job, as `schedules.<job>: unknown job` lines with the known names. */
export function unknownOverrides(overrides: ScheduledEstate['schedules'], jobs: readonly Schedule[]): string[] {
  const names = jobs.map((job) => job.name);
  return Object.keys(overrides)
    .filter((name) => !names.includes(name))
    .map((name) => `schedules.${name}: unknown job "${name}" ${knownNames(name, names)}`);
}

/**
 * Applies the estate's `schedules` overrides to the packaged jobs: schedule, time zone (else the job's, else
 * the estate's `timezone`), paused and payload; throws ConfigError when an override names no packaged job.
 */
export function effectiveSchedules(jobs: readonly Schedule[], estate: ScheduledEstate): EffectiveSchedule[] {
  const unknown = unknownOverrides(estate.schedules, jobs);
  if (unknown.length > 0) throw new ConfigError('schedules', unknown);
  return jobs.map((job) => {
    const override = Object.hasOwn(estate.schedules, job.name) ? estate.schedules[job.name] : undefined;
    const pick = <K extends 'schedule' | 'paused' | 'payload'>(key: K): [Schedule[K], ScheduleSource] =>
      override?.[key] !== undefined ? [override[key] as Schedule[K], 'estate'] : [job[key], 'job file'];
    const [schedule, scheduleFrom] = pick('schedule');
    const [paused, pausedFrom] = pick('paused');
    const [payload, payloadFrom] = pick('payload');
    const [timeZone, timeZoneFrom]: [string, ScheduleSource] =
      override?.timeZone !== undefined
        ? [override.timeZone, 'estate']
        : job.timeZone !== undefined
          ? [job.timeZone, 'job file']
          : [estate.timezone, 'estate timezone'];
    return {
      ...job,
      schedule,
      timeZone,
      paused,
      payload,
      from: { schedule: scheduleFrom, timeZone: timeZoneFrom, paused: pausedFrom, payload: payloadFrom },
    };
  });
}
