import * as z from '../schema/index.js';
import { ConfigError } from './errors.js';
import { knownNames } from './references.js';
import { CronSchema, JobNameSchema, type Schedule } from './schedule.js';
import { isTimeZone } from './time-zone.js';

/**
 * `schedules.<job>` of an estate: what this estate changes of a packaged job (`schedules/<job>.yaml`, or the
 * job file of that name in the directory `opsfn serve --schedules` runs), in `opsfn serve` and in the Terraform
 * Scheduler jobs alike; what it leaves out stays the job file's.
 */
export const ScheduleOverrideSchema = z.strictObject({
  schedule: z.optional(CronSchema),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone, 'expected an IANA time zone like "Asia/Shanghai"'))),
  paused: z.optional(z.boolean()),
  /** Replaces the job's payload as a whole. */
  payload: z.optional(z.record(z.string(), z.unknown())),
});
/** One validated override of a job. */
export type ScheduleOverride = z.infer<typeof ScheduleOverrideSchema>;

/** The estate's `schedules` section: overrides by job name. */
export const ScheduleOverridesSchema = z._default(z.record(JobNameSchema, ScheduleOverrideSchema), {});

/** Where one value of an effective job comes from. */
export type ScheduleSource = 'estate' | 'job file' | 'estate timezone';

/** A job with the estate's overrides applied, its time zone settled, and where each value came from. */
export interface EffectiveSchedule extends Schedule {
  timeZone: string;
  from: { schedule: ScheduleSource; timeZone: ScheduleSource; paused: ScheduleSource; payload: ScheduleSource };
}

/** What {@link effectiveSchedules} reads of an estate. */
export interface ScheduledEstate {
  timezone: string;
  schedules: Readonly<Record<string, ScheduleOverride>>;
}

/**
 * What is said of an override naming none of `jobs`: the job, the directory their files were read from (when
 * known) and the names there, e.g. `unknown job "backup-verfy" in schedules (known: backup-verify, …)`.
 */
export function unknownJobMessage(name: string, jobs: readonly Schedule[], from?: string): string {
  const names = jobs.map((job) => job.name);
  return `unknown job "${name}"${from === undefined ? '' : ` in ${from}`} ${knownNames(name, names)}`;
}

/**
 * The overrides that name none of `jobs` (the files of `from`), as `schedules.<job>: unknown job` lines naming
 * the directory and the known names.
 */
export function unknownOverrides(
  overrides: ScheduledEstate['schedules'],
  jobs: readonly Schedule[],
  from?: string,
): string[] {
  const names = jobs.map((job) => job.name);
  return Object.keys(overrides)
    .filter((name) => !names.includes(name))
    .map((name) => `schedules.${name}: ${unknownJobMessage(name, jobs, from)}`);
}

/**
 * Applies the estate's `schedules` overrides to `jobs`, the job files of `from` (the packaged `schedules/`, or
 * the directory `opsfn serve --schedules` names): schedule, time zone (else the job's, else the estate's
 * `timezone`), paused and payload; throws ConfigError when an override names none of them.
 */
export function effectiveSchedules(
  jobs: readonly Schedule[],
  estate: ScheduledEstate,
  from?: string,
): EffectiveSchedule[] {
  const unknown = unknownOverrides(estate.schedules, jobs, from);
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
