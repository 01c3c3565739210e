import * as z from 'zod';
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
import { NameSchema } from './types.js';

let canonicalZones: Set<string> | undefined;

/**
 * Whether the runtime knows `tz`. The list of canonical zones answers most names in about 2 ms;
 * only other names (aliases such as "Asia/Calcutta") pay for building a formatter, whose first
 * use sets up ICU date formatting (about 20 ms on a cold start).
 */
export function isTimeZone(tz: string): boolean {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

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
});
/** The validated keys every estate has, with every default filled in. */
export type EstateBase = z.infer<typeof EstateBaseSchema>;
/** The keys every estate has, as written in YAML. */
export type EstateBaseInput = z.input<typeof EstateBaseSchema>;

/** A problem a cross-reference check finds in a parsed estate, at its path from the estate's root. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** Cross-references within the base keys: every notify route names channels that exist. */
export function baseEstateIssues(estate: EstateBase): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [i, route] of estate.notify.routes.entries()) {
    for (const [j, channel] of route.channels.entries()) {
      if (!(channel in estate.notify.channels)) {
        issues.push({ path: ['notify', 'routes', i, 'channels', j], message: `unknown channel "${channel}"` });
      }
    }
  }
  return issues;
}
