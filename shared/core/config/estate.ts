import * as z from 'zod';
import { AuthConfigSchema } from './sections/auth.js';
import { AutoscaleSchema } from './sections/autoscale.js';
import { BackupsSchema, backupReferenceIssues } from './sections/backups.js';
import { CertificatesSchema } from './sections/certificates.js';
import { DrillsSchema } from './sections/drills.js';
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
import { HealthSchema } from './sections/health.js';
import { RollbackSchema } from './sections/rollback.js';
import { formatDuration, NameSchema } from './types.js';

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

/** The whole estate config (`opsfn.yaml`), validated once at load. */
export const EstateSchema = z
  .strictObject({
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
    backups: BackupsSchema,
    certificates: CertificatesSchema,
    rollback: RollbackSchema,
    autoscale: AutoscaleSchema,
    drills: DrillsSchema,
    health: HealthSchema,
  })
  .superRefine((estate, ctx) => {
    for (const issue of backupReferenceIssues(estate.backups, estate.databases)) {
      ctx.addIssue({ code: 'custom', ...issue });
    }
    // A rollback waits `settle` inside its run before it verifies; a settle past the run budget would
    // roll back and then be cut off before anyone learns whether the service recovered.
    for (const [i, policy] of (estate.rollback?.policies ?? []).entries()) {
      if (policy.settle >= estate.limits.timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['rollback', 'policies', i, 'settle'],
          message: `expected less than limits.timeout (${formatDuration(estate.limits.timeout)}) so the run can verify recovery`,
        });
      }
    }
    for (const [i, route] of estate.notify.routes.entries()) {
      for (const [j, channel] of route.channels.entries()) {
        if (!(channel in estate.notify.channels)) {
          ctx.addIssue({
            code: 'custom',
            path: ['notify', 'routes', i, 'channels', j],
            message: `unknown channel "${channel}"`,
          });
        }
      }
    }
  });

/** The validated estate, with every default filled in. */
export type Estate = z.infer<typeof EstateSchema>;
/** The estate as written in YAML, before defaults. */
export type EstateInput = z.input<typeof EstateSchema>;
