import * as z from 'zod';
import { DurationSchema, NameSchema, RatioSchema, SecretRefSchema } from '../../shared/core/config/index.js';

/** A regular expression in config, checked to compile. */
const RegexSchema = z
  .string()
  .min(1)
  .max(1_000)
  .refine((text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  }, 'expected a valid regular expression');

const ValueRefSchema = z.union([z.string(), SecretRefSchema]);
const UrlRefSchema = z.union([z.string().regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'expected a URL'), SecretRefSchema]);
const CountSchema = z.number().int('expected a whole number').min(0);

/** Opt-in remediation of a failing check: a restart of its service, through the guard, then a re-check. */
export const RemediateSchema = z.strictObject({
  action: z.literal('restart'),
  /** Consecutive failing sweeps before the restart. */
  after: z.number().int().min(1).max(100).default(3),
  cooldown: DurationSchema.default(30 * 60_000),
  /** How long the re-check waits for the service to pass again before it escalates with a page. */
  verifyWithin: DurationSchema.default(5 * 60_000),
});
export type Remediate = z.infer<typeof RemediateSchema>;

const common = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'expected a check name like "api-health"'),
  /** The estate service the check belongs to: notifications group by it, alerts and restarts target it. */
  service: NameSchema.optional(),
  /** Run at most this often; the sweep skips the check until it is due. */
  every: DurationSchema.optional(),
  failAfter: z.number().int().min(1).max(100).default(2),
  severity: z.enum(['warning', 'critical']).default('critical'),
  timeout: DurationSchema.default(10_000),
  remediate: RemediateSchema.optional(),
};

/** `http`: a request whose status, body, JSON fields and latency are checked; `/ready` bodies name dependencies. */
export const HttpCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: z.record(z.string(), ValueRefSchema).default({}),
  body: z.string().max(65_536).optional(),
  expect: z
    .strictObject({
      status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
      body: RegexSchema.optional(),
      /** Dot paths into a JSON body (`status`, `checks.0.status`) and the value each must have. */
      json: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
      maxLatency: DurationSchema.optional(),
    })
    .prefault({}),
  /** Read the body as a readiness report; default when the path ends in ready, readyz or readiness. */
  ready: z.boolean().optional(),
  /** Readiness entries that are the service's own parts (consumer loops): down, they do not hold back a restart. */
  internal: z.array(z.string().min(1)).default([]),
  caFile: z.string().min(1).optional(),
  /** A Google-signed ID token for a private Cloud Run service; audience defaults to the URL's origin. */
  idToken: z.strictObject({ audience: z.string().min(1).optional() }).optional(),
});

const RatioPairSchema = (warn: number, fail: number) =>
  z
    .strictObject({ warn: RatioSchema.default(warn), fail: RatioSchema.default(fail) })
    .prefault({})
    .refine((t) => t.warn <= t.fail, { message: 'expected warn at most fail' });

/** `postgres` / `mysql`: connect, `SELECT 1`, version, connections against the limits, replica lag. */
export const DatabaseCheckSchema = z
  .strictObject({
    ...common,
    kind: z.enum(['postgres', 'mysql']),
    /** A key of the estate's `databases` (postgres or mysql), or `url`. */
    database: NameSchema.optional(),
    url: UrlRefSchema.optional(),
    connections: RatioPairSchema(0.8, 0.95),
    /** A replica: replay lag above this fails. */
    maxLag: DurationSchema.optional(),
  })
  .refine((c) => (c.database === undefined) !== (c.url === undefined), {
    message: 'expected exactly one of "database" or "url"',
  });

/** `redis`: PING, latency, memory against `maxmemory`, a replica's link to its primary. */
export const RedisCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('redis'),
  url: UrlRefSchema,
  memory: RatioPairSchema(0.8, 0.9),
  maxLag: DurationSchema.optional(),
});

const LimitPairSchema = z
  .strictObject({ warn: CountSchema.optional(), fail: CountSchema.optional() })
  .refine((t) => t.warn !== undefined || t.fail !== undefined, { message: 'expected "warn" or "fail"' });

/** `redis-stream`: a stream (or a pattern) and its groups: pending entries, lag, idle consumers; or DLQ growth. */
export const RedisStreamCheckSchema = z
  .strictObject({
    ...common,
    kind: z.literal('redis-stream'),
    url: UrlRefSchema,
    /** A stream key or a glob pattern (`exchange:*:dlq`). */
    stream: z.string().min(1).max(500),
    group: z.string().min(1).optional(),
    pending: LimitPairSchema.optional(),
    lag: LimitPairSchema.optional(),
    /** A consumer with pending entries idle longer than this is dead. */
    maxIdle: DurationSchema.optional(),
    /** Dead-letter streams: entries added since the previous sweep. */
    dlq: z.strictObject({ warn: CountSchema.default(1), fail: CountSchema.optional() }).optional(),
  })
  .refine((c) => c.dlq !== undefined || c.pending || c.lag || c.maxIdle !== undefined, {
    message: 'expected at least one of "pending", "lag", "maxIdle" or "dlq"',
  });

/** `tcp`: a connection to `host:port`, with its latency. */
export const TcpCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('tcp'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
});

/** `query`: a PromQL query with thresholds (Prometheus, or Cloud Monitoring's PromQL API). */
export const QueryCheckSchema = z
  .strictObject({
    ...common,
    kind: z.literal('query'),
    query: z.string().min(1).max(10_000),
    source: z.enum(['prometheus', 'cloud-monitoring']).default('prometheus'),
    /** Cloud Monitoring: the project whose metrics scope is queried. */
    project: NameSchema.optional(),
    warn: z.number().optional(),
    fail: z.number().optional(),
    /** `above`: values at or above a threshold are bad (CPU); `below`: at or below are bad (disk free). */
    direction: z.enum(['above', 'below']).default('above'),
    noData: z.enum(['ok', 'warn', 'fail']).default('warn'),
  })
  .refine((c) => c.warn !== undefined || c.fail !== undefined, { message: 'expected "warn" or "fail"' })
  .refine((c) => c.source !== 'cloud-monitoring' || c.project !== undefined, {
    message: 'expected "project" for source cloud-monitoring',
    path: ['project'],
  });

/** `platform`: the service as its platform reports it (Cloud Run conditions, Kubernetes replicas and pods). */
export const PlatformCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('platform'),
  service: NameSchema,
  /** Container restarts since the previous sweep, across the Deployment's pods. */
  restarts: z.strictObject({ warn: CountSchema.default(1), fail: CountSchema.default(5) }).prefault({}),
});

/** The check kinds, for messages. */
export const CHECK_KINDS = ['http', 'postgres', 'mysql', 'redis', 'redis-stream', 'tcp', 'query', 'platform'] as const;

/** One health check, by kind. */
export const HealthCheckSchema = z.union([
  HttpCheckSchema,
  DatabaseCheckSchema,
  RedisCheckSchema,
  RedisStreamCheckSchema,
  TcpCheckSchema,
  QueryCheckSchema,
  PlatformCheckSchema,
]);
export type HealthCheck = z.infer<typeof HealthCheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type DatabaseCheck = z.infer<typeof DatabaseCheckSchema>;
export type RedisCheck = z.infer<typeof RedisCheckSchema>;
export type RedisStreamCheck = z.infer<typeof RedisStreamCheckSchema>;
export type TcpCheck = z.infer<typeof TcpCheckSchema>;
export type QueryCheck = z.infer<typeof QueryCheckSchema>;
export type PlatformCheck = z.infer<typeof PlatformCheckSchema>;
