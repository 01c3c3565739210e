import {
  type ConfigIssue,
  type ConfigSection,
  DurationSchema,
  type Estate,
  formatZodIssues,
  NameSchema,
  PolicyMatchSchema,
  referenceIssues,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';
import {
  CHECK_KINDS,
  DatabaseCheckSchema,
  type HealthCheck,
  HttpCheckSchema,
  PlatformCheckSchema,
  QueryCheckSchema,
  RedisCheckSchema,
  RedisStreamCheckSchema,
  TcpCheckSchema,
} from './config-checks.js';

export * from './config-checks.js';

const SCHEMA_OF: Record<(typeof CHECK_KINDS)[number], z.ZodMiniType<HealthCheck>> = {
  http: HttpCheckSchema,
  postgres: DatabaseCheckSchema,
  mysql: DatabaseCheckSchema,
  redis: RedisCheckSchema,
  'redis-stream': RedisStreamCheckSchema,
  tcp: TcpCheckSchema,
  query: QueryCheckSchema,
  platform: PlatformCheckSchema,
};

/**
 * A check entry that does not validate: kept (not rejected with the whole estate) so every sweep reports it as
 * a failing check naming what is wrong, while the other checks go on.
 */
export interface InvalidCheck {
  kind: 'invalid';
  name: string;
  /** The kind the entry declared, if any. */
  declared?: string;
  service?: string;
  problem: string;
}

/** A validated check or one that is reported as invalid. */
export type CheckEntry = HealthCheck | InvalidCheck;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, 100) : undefined;
}

/** Validates one `health.checks[i]` entry; a bad one becomes an {@link InvalidCheck} instead of an error. */
export function parseCheckEntry(value: unknown, index: number, taken: ReadonlySet<string>): CheckEntry {
  const raw = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const name = text(raw.name) ?? `checks[${index}]`;
  const declared = text(raw.kind);
  const service = text(raw.service);
  const invalid = (problem: string): InvalidCheck => ({
    kind: 'invalid',
    name,
    problem,
    ...(declared ? { declared } : {}),
    ...(service ? { service } : {}),
  });
  if (taken.has(name)) return invalid(`duplicate check name "${name}"`);
  const schema = declared === undefined ? undefined : SCHEMA_OF[declared as keyof typeof SCHEMA_OF];
  if (!schema) {
    const got = declared === undefined ? 'no kind' : `unknown check kind "${declared}"`;
    return invalid(`${got} (expected one of ${CHECK_KINDS.join(', ')})`);
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : invalid(formatZodIssues(parsed.error).join('; '));
}

/** An alert that makes the sweep run a service's checks at once, so opsfn's own probe confirms it. */
export const HealthAlertSchema = z.strictObject({
  name: z.optional(NameSchema),
  match: PolicyMatchSchema,
  /** A key of `services`; when omitted the service comes from the alert's labels. */
  service: z.optional(NameSchema),
});
export type HealthAlert = z.infer<typeof HealthAlertSchema>;

/** `health`: the checks healthSweep runs, how the sweep is bounded, and when people hear about it. */
export const HealthSchema = z.optional(
  z.pipe(
    z.strictObject({
      /** Checks run at once at most. */
      concurrency: z._default(z.number().check(z.int(), z.gte(1), z.lte(256)), 16),
      /** The whole sweep's time bound: a check still running then fails as timed out; one still queued does not run. */
      budget: z._default(DurationSchema, 2 * 60_000),
      remindEvery: z._default(DurationSchema, 4 * 3_600_000),
      flapping: z.prefault(
        z.strictObject({
          transitions: z._default(z.number().check(z.int(), z.gte(2)), 4),
          window: z._default(DurationSchema, 3_600_000),
        }),
        {},
      ),
      /** Pause between re-checks after a restart. */
      verifyInterval: z._default(DurationSchema, 15_000),
      alerts: z._default(z.array(HealthAlertSchema), []),
      checks: z._default(z.array(z.unknown()), []),
    }),
    z.transform((section) => {
      const taken = new Set<string>();
      const checks = section.checks.map((value, i) => {
        const entry = parseCheckEntry(value, i, taken);
        taken.add(entry.name);
        return entry;
      });
      return { ...section, checks };
    }),
  ),
);
/** The validated `health` section. */
export type Health = z.infer<typeof HealthSchema>;
/** The validated `health` section, when present. */
export type HealthConfig = NonNullable<Health>;

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    health: typeof HealthSchema;
  }
}

/**
 * The services and databases the health section names: alerts' and checks' `service`, and a database check's
 * `database` (of its own engine). A check entry that failed its own schema is left to the sweep to report.
 */
export function healthReferenceIssues(estate: Estate): ConfigIssue[] {
  const health = estate.health;
  if (!health) return [];
  const service = (path: (string | number)[], name: string | undefined) =>
    name === undefined ? [] : referenceIssues(path, 'service', name, estate.services);
  return [
    ...health.alerts.flatMap((alert, i) => service(['health', 'alerts', i, 'service'], alert.service)),
    ...health.checks.flatMap((check, i): ConfigIssue[] => {
      if (check.kind === 'invalid') return [];
      const own = service(['health', 'checks', i, 'service'], check.service);
      if ((check.kind !== 'postgres' && check.kind !== 'mysql') || check.database === undefined) return own;
      const { kind } = check;
      return [
        ...own,
        ...referenceIssues(['health', 'checks', i, 'database'], 'database', check.database, estate.databases, {
          test: (db) => db.kind === kind,
          expected: `a ${kind} entry of databases for a ${kind} check`,
        }),
      ];
    }),
  ];
}

/** The `health` section of the estate. */
export const healthSweepSection: ConfigSection<'health'> = {
  key: 'health',
  schema: HealthSchema,
  check: healthReferenceIssues,
};
