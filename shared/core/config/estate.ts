import * as z from '../schema/index.js';
import { type ConfigIssue, knownNames } from './references.js';
import type { Schedule } from './schedule.js';
import { ScheduleOverridesSchema, unknownJobMessage } from './schedule-overrides.js';
import { AuthConfigSchema } from './sections/auth.js';
import {
  DatabaseSchema,
  EndpointsSchema,
  GuardConfigSchema,
  LimitsSchema,
  NotifyConfigSchema,
  ReportsSchema,
  ServiceSchema,
  StateConfigSchema,
} from './sections/estate-common.js';
import { isTimeZone } from './time-zone.js';
import { NameSchema } from './types.js';

/** The keys of `opsfn.yaml` every estate has, whatever functions it runs; functions add their sections. */
export const EstateBaseSchema = z.strictObject({
  estate: z._default(NameSchema, 'local'),
  timezone: z._default(
    z.string().check(z.refine(isTimeZone, 'expected an IANA time zone like "Asia/Shanghai"')),
    'UTC',
  ),
  mode: z._default(z.enum(['enforce', 'dry-run']), 'enforce'),
  state: z._default(StateConfigSchema, 'memory'),
  auth: z.optional(AuthConfigSchema),
  endpoints: z._default(EndpointsSchema, {}),
  notify: z.prefault(NotifyConfigSchema, {}),
  guard: z.prefault(GuardConfigSchema, {}),
  limits: z.prefault(LimitsSchema, {}),
  reports: z.optional(ReportsSchema),
  services: z._default(z.record(NameSchema, ServiceSchema), {}),
  databases: z._default(z.record(NameSchema, DatabaseSchema), {}),
  schedules: ScheduleOverridesSchema,
});
/** The validated keys every estate has, with every default filled in. */
export type EstateBase = z.infer<typeof EstateBaseSchema>;
/** The keys every estate has, as written in YAML. */
export type EstateBaseInput = z.input<typeof EstateBaseSchema>;

/**
 * What the estate's checks know beyond the file: the Scheduler jobs the process runs or shows (the packaged
 * `schedules/*.yaml`, or the directory `opsfn serve --schedules` names) and the registered functions. Either
 * may be missing (a deployed function carries no job files): its checks are skipped.
 */
export interface EstateContext {
  jobs?: readonly Schedule[];
  /** The directory `jobs` were read from, named when an override names none of them. */
  jobsFrom?: string;
  /** The entry points of the registered functions. */
  functions?: readonly string[];
}

/** Names a scoped token may be allowed beside the functions: the kill switch's routes on `opsfn serve`. */
export const CONTROL_ROUTES = 'control';
/** …and `GET /metrics` on `opsfn serve`, for a scraper's token that reads figures and nothing else. */
export const METRICS_ROUTE = 'metrics';

/** `schedules` overrides: each names one of the context's jobs, of a registered function. */
function scheduleIssues(estate: EstateBase, context: EstateContext): ConfigIssue[] {
  const { jobs, jobsFrom, functions } = context;
  if (jobs === undefined) return [];
  return Object.keys(estate.schedules).flatMap((name): ConfigIssue[] => {
    const job = jobs.find((j) => j.name === name);
    if (!job) return [{ path: ['schedules', name], message: unknownJobMessage(name, jobs, jobsFrom) }];
    return functions !== undefined && !functions.includes(job.function)
      ? [{ path: ['schedules', name], message: `job "${name}" starts ${job.function}, which is not registered` }]
      : [];
  });
}

/** Function names in `notify.routes[].functions` and `auth.tokens[].allow[].function`: each must be registered. */
function functionNameIssues(estate: EstateBase, context: EstateContext): ConfigIssue[] {
  if (context.functions === undefined) return [];
  const known = context.functions;
  const issues: ConfigIssue[] = [];
  estate.notify.routes.forEach((route, r) => {
    (route.functions ?? []).forEach((name, i) => {
      if (!known.includes(name))
        issues.push({
          path: ['notify', 'routes', r, 'functions', i],
          message: `unknown function "${name}" ${knownNames(name, known)}`,
        });
    });
  });
  const grantable = [...known, CONTROL_ROUTES, METRICS_ROUTE];
  (estate.auth?.tokens ?? []).forEach((token, t) => {
    if (!('allow' in token)) return;
    (token.allow ?? []).forEach((grant, g) => {
      if (!grantable.includes(grant.function))
        issues.push({
          path: ['auth', 'tokens', t, 'allow', g, 'function'],
          message: `unknown function "${grant.function}" ${knownNames(grant.function, grantable)}`,
        });
    });
  });
  return issues;
}

/** Cross-references within the base keys: schedule overrides and the function names routes and grants use. */
export function baseEstateIssues(estate: EstateBase, context: EstateContext = {}): ConfigIssue[] {
  return [...scheduleIssues(estate, context), ...functionNameIssues(estate, context)];
}
