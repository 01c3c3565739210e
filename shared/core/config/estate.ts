import * as z from 'zod';
import { type ConfigIssue, knownNames } from './references.js';
import type { Schedule } from './schedule.js';
import { ScheduleOverridesSchema } from './schedule-overrides.js';
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
  estate: NameSchema.default('local'),
  timezone: z.string().refine(isTimeZone, 'expected an IANA time zone like "Asia/Shanghai"').default('UTC'),
  mode: z.enum(['enforce', 'dry-run']).default('enforce'),
  state: StateConfigSchema.default('memory'),
  auth: AuthConfigSchema.optional(),
  endpoints: EndpointsSchema.default({}),
  notify: NotifyConfigSchema.prefault({}),
  guard: GuardConfigSchema.prefault({}),
  limits: LimitsSchema.prefault({}),
  reports: ReportsSchema.optional(),
  services: z.record(NameSchema, ServiceSchema).default({}),
  databases: z.record(NameSchema, DatabaseSchema).default({}),
  schedules: ScheduleOverridesSchema,
});
/** The validated keys every estate has, with every default filled in. */
export type EstateBase = z.infer<typeof EstateBaseSchema>;
/** The keys every estate has, as written in YAML. */
export type EstateBaseInput = z.input<typeof EstateBaseSchema>;

/** A registered function as the estate's checks see it: its entry point and the key of its section. */
export interface KnownFunction {
  name: string;
  configKey: string;
}

/**
 * What the estate's checks know beyond the file: the packaged Scheduler jobs (`schedules/*.yaml`) and the
 * registered functions. Either may be missing (a deployed function carries no job files): its checks are skipped.
 */
export interface EstateContext {
  jobs?: readonly Schedule[];
  functions?: readonly KnownFunction[];
}

/** Names a scoped token may be allowed beside the functions: the kill switch's routes on `opsfn serve`. */
export const CONTROL_ROUTES = 'control';

function hasNothing(section: unknown): boolean {
  return (
    section === undefined || (typeof section === 'object' && section !== null && Object.keys(section).length === 0)
  );
}

/** `schedules` overrides: each names a packaged job of a registered function that has something to do here. */
function scheduleIssues(estate: EstateBase, context: EstateContext): ConfigIssue[] {
  const { jobs, functions } = context;
  if (jobs === undefined) return [];
  const names = jobs.map((job) => job.name);
  return Object.entries(estate.schedules).flatMap(([name, override]): ConfigIssue[] => {
    const job = jobs.find((j) => j.name === name);
    if (!job) return [{ path: ['schedules', name], message: `unknown job "${name}" ${knownNames(name, names)}` }];
    const fn = functions?.find((f) => f.name === job.function);
    if (functions !== undefined && !fn) {
      return [{ path: ['schedules', name], message: `job "${name}" starts ${job.function}, which is not registered` }];
    }
    const runs = !(override.paused ?? job.paused);
    if (fn && runs && hasNothing((estate as Record<string, unknown>)[fn.configKey])) {
      return [
        {
          path: ['schedules', name],
          message: `job "${name}" starts ${fn.name}, which has nothing to do here: the estate has no "${fn.configKey}" section`,
        },
      ];
    }
    return [];
  });
}

/** Function names in `notify.routes[].functions` and `auth.tokens[].allow[].function`: each must be registered. */
function functionNameIssues(estate: EstateBase, context: EstateContext): ConfigIssue[] {
  if (context.functions === undefined) return [];
  const known = context.functions.map((f) => f.name);
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
  const grantable = [...known, CONTROL_ROUTES];
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
