import {
  compilesAsRegex,
  DurationSchema,
  NameSchema,
  RatioSchema,
  SecretRefSchema,
} from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

/** A regular expression in config, checked to compile. */
const RegexSchema = z.string().check(z.minLength(1), z.maxLength(1_000), compilesAsRegex());

const ValueRefSchema = z.union([z.string(), SecretRefSchema]);
const UrlRefSchema = z.union([
  z.string().check(z.regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'expected a URL')),
  SecretRefSchema,
]);
const CountSchema = z.number().check(z.int('expected a whole number'), z.gte(0));

/** Opt-in remediation of a failing check: a restart of its service, through the guard, then a re-check. */
export const RemediateSchema = z.strictObject({
  action: z.literal('restart'),
  /** Consecutive failing sweeps before the restart. */
  after: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 3),
  cooldown: z._default(DurationSchema, 30 * 60_000),
  /** How long the re-check waits for the service to pass again before it escalates with a page. */
  verifyWithin: z._default(DurationSchema, 5 * 60_000),
});
export type Remediate = z.infer<typeof RemediateSchema>;

const common = {
  name: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'expected a check name like "api-health"')),
  /** The estate service the check belongs to: notifications group by it, alerts and restarts target it. */
  service: z.optional(NameSchema),
  /** Run at most this often; until it is due the sweep does not run it, but its last warn or fail still counts. */
  every: z.optional(DurationSchema),
  failAfter: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 2),
  severity: z._default(z.enum(['warning', 'critical']), 'critical'),
  timeout: z._default(DurationSchema, 10_000),
  remediate: z.optional(RemediateSchema),
};

/** `http`: a request whose status, body, JSON fields and latency are checked; `/ready` bodies name dependencies. */
export const HttpCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z._default(z.enum(['GET', 'HEAD', 'POST']), 'GET'),
  headers: z._default(z.record(z.string(), ValueRefSchema), {}),
  body: z.optional(z.string().check(z.maxLength(65_536))),
  expect: z.prefault(
    z.strictObject({
      status: z.optional(z.array(z.number().check(z.int(), z.gte(100), z.lte(599))).check(z.minLength(1))),
      body: z.optional(RegexSchema),
      /** Dot paths into a JSON body (`status`, `checks.0.status`) and the value each must have. */
      json: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
      maxLatency: z.optional(DurationSchema),
    }),
    {},
  ),
  /** Read the body as a readiness report; default when the path ends in ready, readyz or readiness. */
  ready: z.optional(z.boolean()),
  /** Readiness entries that are the service's own parts (consumer loops): down, they do not hold back a restart. */
  internal: z._default(z.array(z.string().check(z.minLength(1))), []),
  caFile: z.optional(z.string().check(z.minLength(1))),
  /** A Google-signed ID token for a private Cloud Run service; audience defaults to the URL's origin. */
  idToken: z.optional(z.strictObject({ audience: z.optional(z.string().check(z.minLength(1))) })),
});

const RatioPairSchema = (warn: number, fail: number) =>
  z
    .prefault(z.strictObject({ warn: z._default(RatioSchema, warn), fail: z._default(RatioSchema, fail) }), {})
    .check(z.refine((t) => t.warn <= t.fail, { message: 'expected warn at most fail' }));

/** `postgres` / `mysql`: connect, `SELECT 1`, version, connections against the limits, replica lag. */
export const DatabaseCheckSchema = z
  .strictObject({
    ...common,
    kind: z.enum(['postgres', 'mysql']),
    /** A key of the estate's `databases` (postgres or mysql), or `url`. */
    database: z.optional(NameSchema),
    url: z.optional(UrlRefSchema),
    connections: RatioPairSchema(0.8, 0.95),
    /** A replica: replay lag above this fails. */
    maxLag: z.optional(DurationSchema),
  })
  .check(
    z.refine((c) => (c.database === undefined) !== (c.url === undefined), {
      message: 'expected exactly one of "database" or "url"',
    }),
  );

/** `redis`: PING, latency, memory against `maxmemory`, a replica's link to its primary. */
export const RedisCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('redis'),
  url: UrlRefSchema,
  memory: RatioPairSchema(0.8, 0.9),
  maxLag: z.optional(DurationSchema),
});

const LimitPairSchema = z
  .strictObject({ warn: z.optional(CountSchema), fail: z.optional(CountSchema) })
  .check(z.refine((t) => t.warn !== undefined || t.fail !== undefined, { message: 'expected "warn" or "fail"' }));

/** `redis-stream`: a stream (or a pattern) and its groups: pending entries, lag, idle consumers; or DLQ growth. */
export const RedisStreamCheckSchema = z
  .strictObject({
    ...common,
    kind: z.literal('redis-stream'),
    url: UrlRefSchema,
    /** A stream key or a glob pattern (`exchange:*:dlq`). */
    stream: z.string().check(z.minLength(1), z.maxLength(500)),
    group: z.optional(z.string().check(z.minLength(1))),
    pending: z.optional(LimitPairSchema),
    lag: z.optional(LimitPairSchema),
    /** A consumer with pending entries idle longer than this is dead. */
    maxIdle: z.optional(DurationSchema),
    /** Dead-letter streams: entries added since the previous sweep. */
    dlq: z.optional(z.strictObject({ warn: z._default(CountSchema, 1), fail: z.optional(CountSchema) })),
  })
  .check(
    z.refine((c) => c.dlq !== undefined || c.pending || c.lag || c.maxIdle !== undefined, {
      message: 'expected at least one of "pending", "lag", "maxIdle" or "dlq"',
    }),
  );

/** `tcp`: a connection to `host:port`, with its latency. */
export const TcpCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('tcp'),
  host: z.string().check(z.minLength(1), z.maxLength(253)),
  port: z.number().check(z.int(), z.gte(1), z.lte(65_535)),
});

/** `query`: a PromQL query with thresholds (Prometheus, or Cloud Monitoring's PromQL API). */
export const QueryCheckSchema = z
  .strictObject({
    ...common,
    kind: z.literal('query'),
    query: z.string().check(z.minLength(1), z.maxLength(10_000)),
    source: z._default(z.enum(['prometheus', 'cloud-monitoring']), 'prometheus'),
    /** Cloud Monitoring: the project whose metrics scope is queried. */
    project: z.optional(NameSchema),
    warn: z.optional(z.number()),
    fail: z.optional(z.number()),
    /** `above`: values at or above a threshold are bad (CPU); `below`: at or below are bad (disk free). */
    direction: z._default(z.enum(['above', 'below']), 'above'),
    noData: z._default(z.enum(['ok', 'warn', 'fail']), 'warn'),
  })
  .check(
    z.refine((c) => c.warn !== undefined || c.fail !== undefined, { message: 'expected "warn" or "fail"' }),
    z.refine((c) => c.source !== 'cloud-monitoring' || c.project !== undefined, {
      message: 'expected "project" for source cloud-monitoring',
      path: ['project'],
    }),
  );

/** `platform`: the service as its platform reports it (Cloud Run conditions, Kubernetes replicas and pods). */
export const PlatformCheckSchema = z.strictObject({
  ...common,
  kind: z.literal('platform'),
  service: NameSchema,
  /** Container restarts since the previous sweep, across the Deployment's pods. */
  restarts: z.prefault(z.strictObject({ warn: z._default(CountSchema, 1), fail: z._default(CountSchema, 5) }), {}),
  /** Kubernetes: a Deployment scaled to 0 replicas is expected (scaled down off hours, KEDA): ok, not a warning. */
  scaleToZero: z._default(z.boolean(), false),
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
