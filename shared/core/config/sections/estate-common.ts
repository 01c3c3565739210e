import * as z from '../../schema/index.js';
import { redisUrlProblem } from '../redis-url.js';
import { knownNames } from '../references.js';
import { CronSchema } from '../schedule.js';
import { SeveritySchema } from '../severity.js';
import { DurationSchema, NameSchema, SecretRefSchema, SizeSchema } from '../types.js';
import { ComposeServiceSchema } from './compose-service.js';
import { PrometheusEndpointSchema } from './prometheus-endpoint.js';

/** A Cloud Run service addressed through the Cloud Run Admin API v2. */
export const CloudRunServiceSchema = z.strictObject({
  platform: z.literal('cloud-run'),
  project: NameSchema,
  region: NameSchema,
  name: NameSchema,
});

/** A Kubernetes Deployment, reached through a kubeconfig context or an API server URL. */
export const KubernetesServiceSchema = z
  .strictObject({
    platform: z.literal('kubernetes'),
    context: z.optional(NameSchema),
    server: z.optional(z.url()),
    token: z.optional(SecretRefSchema),
    namespace: z._default(NameSchema, 'default'),
    deployment: NameSchema,
  })
  .check(z.refine((s) => !(s.context && s.server), { message: 'give either "context" or "server", not both' }));

/** One service of the estate, by platform. */
export const ServiceSchema = z.discriminatedUnion('platform', [
  CloudRunServiceSchema,
  KubernetesServiceSchema,
  ComposeServiceSchema,
]);
export type Service = z.infer<typeof ServiceSchema>;
export type CloudRunService = z.infer<typeof CloudRunServiceSchema>;
export type KubernetesService = z.infer<typeof KubernetesServiceSchema>;

const DbUrlSchema = z.union([z.string().check(z.regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'expected a URL')), SecretRefSchema]);

/** One database of the estate, by kind. */
export const DatabaseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cloud-sql'), project: NameSchema, instance: NameSchema }),
  z.strictObject({ kind: z.literal('postgres'), url: DbUrlSchema }),
  z.strictObject({ kind: z.literal('mysql'), url: DbUrlSchema }),
]);
export type Database = z.infer<typeof DatabaseSchema>;

const REDIS_SCHEME = /^rediss?:\/\//;

/** Where state (idempotency, locks, cooldowns, drills) lives. */
export const StateConfigSchema = z.union([
  z.literal('memory'),
  z.strictObject({
    redis: z.union([
      z.string().check(
        // The pattern is what the published JSON Schema can say; the refinement reads the rest, once the
        // scheme is right, so one mistake is one issue.
        z.regex(REDIS_SCHEME, 'expected redis:// URL'),
        z.superRefine((url, ctx) => {
          if (!REDIS_SCHEME.test(url)) return;
          const problem = redisUrlProblem(url);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
      ),
      SecretRefSchema,
    ]),
    prefix: z._default(z.string(), 'opsfn:'),
  }),
]);
export type StateConfig = z.infer<typeof StateConfigSchema>;

const EndpointSchema = z.strictObject({ url: z.url(), credentials: z.optional(z.literal('none')) });
export type Endpoint = z.infer<typeof EndpointSchema>;

/** Cloud Monitoring's API root, and how late its request counts show. */
const MonitoringEndpointSchema = z.strictObject({
  url: z.url(),
  credentials: z.optional(z.literal('none')),
  /**
   * How long after the fact a request count shows in `timeSeries.list`: 3m, what the API documents for Cloud Run's
   * request_count, when omitted. A rollback reads its settle window this long after it ends; a stand-in that shows
   * counts at once (the demo's) takes 0s.
   */
  visibleAfter: z.optional(DurationSchema),
});

/** API root overrides: private endpoints in production, local fakes in tests. */
export const EndpointsSchema = z.strictObject({
  run: z.optional(EndpointSchema),
  sqladmin: z.optional(EndpointSchema),
  monitoring: z.optional(MonitoringEndpointSchema),
  storage: z.optional(EndpointSchema),
  s3: z.optional(EndpointSchema),
  kubernetes: z.optional(EndpointSchema),
  prometheus: z.optional(PrometheusEndpointSchema),
});
export type Endpoints = z.infer<typeof EndpointsSchema>;

const ChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), url: SecretRefSchema }),
  z.strictObject({ type: z.literal('pagerduty'), routingKey: SecretRefSchema, url: z.optional(z.url()) }),
  z.strictObject({
    type: z.literal('feishu'),
    url: SecretRefSchema,
    secret: z.optional(SecretRefSchema),
    msgType: z._default(z.enum(['interactive', 'text']), 'interactive'),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z.union([z.url(), SecretRefSchema]),
    headers: z.optional(z.record(z.string(), z.union([z.string(), SecretRefSchema]))),
  }),
  z.strictObject({
    type: z.literal('pubsub'),
    topic: z.string().check(z.regex(/^projects\/[^/]+\/topics\/[^/]+$/, 'expected "projects/P/topics/T"')),
  }),
]);
export type Channel = z.infer<typeof ChannelSchema>;

/** Notification channels and the routes that pick them by severity. */
export const NotifyConfigSchema = z
  .strictObject({
    channels: z._default(z.record(NameSchema, ChannelSchema), {}),
    routes: z._default(
      z.array(
        z.strictObject({
          severity: z.union([SeveritySchema, z.array(SeveritySchema)]),
          channels: z.array(NameSchema).check(z.minLength(1)),
          functions: z.optional(z.array(NameSchema)),
        }),
      ),
      [],
    ),
    timeout: z._default(DurationSchema, 5_000),
    retries: z._default(z.number().check(z.int(), z.gte(0), z.lte(10)), 3),
  })
  .check(
    z.superRefine((notify, ctx) => {
      // A typo in a route would otherwise surface only when the page it should carry is lost.
      const defined = Object.keys(notify.channels);
      notify.routes.forEach((route, r) => {
        route.channels.forEach((name, c) => {
          if (defined.includes(name)) return;
          ctx.addIssue({
            code: 'custom',
            path: ['routes', r, 'channels', c],
            message: `unknown channel "${name}" ${knownNames(name, defined)}`,
          });
        });
      });
    }),
  );
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;

const WindowSchema = z.strictObject({ max: z.number().check(z.int(), z.positive()), window: DurationSchema });

/** Guardrails shared by every mutation: freeze windows, rate limits, breaker, lock lifetime. */
export const GuardConfigSchema = z.strictObject({
  freezeWindows: z._default(
    z.array(
      z.union([
        z
          .strictObject({
            start: z.iso.datetime({ offset: true }),
            end: z.iso.datetime({ offset: true }),
            reason: z._default(z.string(), 'freeze'),
          })
          .check(
            z.refine((w) => Date.parse(w.end) > Date.parse(w.start), {
              message: 'expected "end" after "start": this window would never freeze anything',
              path: ['end'],
            }),
          ),
        z.strictObject({
          // Checked when the estate loads: a pattern croner cannot read would otherwise fail every action.
          cron: CronSchema,
          duration: DurationSchema,
          reason: z._default(z.string(), 'freeze'),
        }),
      ]),
    ),
    [],
  ),
  rateLimit: z.prefault(
    z.strictObject({
      perTarget: z._default(WindowSchema, { max: 3, window: 3_600_000 }),
      global: z._default(WindowSchema, { max: 10, window: 3_600_000 }),
    }),
    {},
  ),
  // The breaker counts only actions the global rate limit let through, which passes at most 30 in three hours: more
  // than 15 (a runaway that keeps hitting the limit, hour after hour) opens it. With the limit's own hour, no max
  // above the limit's could ever be reached.
  breaker: z.prefault(
    z.strictObject({ max: z.number().check(z.int(), z.positive()), window: DurationSchema, open: DurationSchema }),
    { max: 15, window: '3h', open: '1h' },
  ),
  lockTtl: z._default(DurationSchema, 15 * 60_000),
  /**
   * A kill switch on the host's disk, for an estate without a shared store: while this file exists every function
   * refuses mutations, while `<pauseFile>.<function>` exists that one does (the first line is the reason).
   */
  pauseFile: z.optional(
    z.string().check(z.regex(/^\/[^\0]*[^/]$/, 'expected an absolute file path like "/var/lib/opsfn/pause"')),
  ),
});
export type GuardConfig = z.infer<typeof GuardConfigSchema>;

/** Runtime limits of the HTTP intake. */
export const LimitsSchema = z.strictObject({
  body: z._default(SizeSchema, 1024 * 1024),
  // The idempotency claim lives for timeout + 1 min; it must expire well inside Pub/Sub's redelivery
  // window (message retention, at least 10 min) so a crashed run's message is run again.
  timeout: z._default(
    DurationSchema.check(z.refine((ms) => ms <= 3_600_000, 'expected at most 1h (the longest Cloud Run request)')),
    540_000,
  ),
  /**
   * When a run is split into shards, each run as an invocation of its own (backupVerify and certExpiry READMEs):
   * work per shard, and how long a run waits for its shards before reporting the missing ones failed.
   */
  shards: z.prefault(
    z.strictObject({
      backups: z._default(z.number().check(z.int(), z.gte(1, 'expected at least 1'), z.lte(1_000)), 16),
      endpoints: z._default(z.number().check(z.int(), z.gte(1, 'expected at least 1'), z.lte(10_000)), 2_000),
      // Five deliveries of a 9-minute invocation with Pub/Sub's backoff (up to 10 min) end within about 95 min.
      deadline: z._default(DurationSchema.check(z.refine((ms) => ms >= 60_000, 'expected at least 1m')), 2 * 3_600_000),
    }),
    {},
  ),
});

/** Where run reports are written: gs://, s3:// or file://. */
export const ReportsSchema = z.strictObject({
  url: z.string().check(z.regex(/^(gs|s3|file):\/\//, 'expected gs://, s3:// or file:// URL')),
});
