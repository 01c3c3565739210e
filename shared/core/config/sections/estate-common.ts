import * as z from 'zod';
import { knownNames } from '../references.js';
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
    context: NameSchema.optional(),
    server: z.url().optional(),
    token: SecretRefSchema.optional(),
    namespace: NameSchema.default('default'),
    deployment: NameSchema,
  })
  .refine((s) => !(s.context && s.server), { message: 'give either "context" or "server", not both' });

/** One service of the estate, by platform. */
export const ServiceSchema = z.discriminatedUnion('platform', [
  CloudRunServiceSchema,
  KubernetesServiceSchema,
  ComposeServiceSchema,
]);
export type Service = z.infer<typeof ServiceSchema>;
export type CloudRunService = z.infer<typeof CloudRunServiceSchema>;
export type KubernetesService = z.infer<typeof KubernetesServiceSchema>;

const DbUrlSchema = z.union([z.string().regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'expected a URL'), SecretRefSchema]);

/** One database of the estate, by kind. */
export const DatabaseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cloud-sql'), project: NameSchema, instance: NameSchema }),
  z.strictObject({ kind: z.literal('postgres'), url: DbUrlSchema }),
  z.strictObject({ kind: z.literal('mysql'), url: DbUrlSchema }),
]);
export type Database = z.infer<typeof DatabaseSchema>;

/** Where state (idempotency, locks, cooldowns, drills) lives. */
export const StateConfigSchema = z.union([
  z.literal('memory'),
  z.strictObject({
    redis: z.union([z.string().regex(/^rediss?:\/\//, 'expected redis:// URL'), SecretRefSchema]),
    prefix: z.string().default('opsfn:'),
  }),
]);
export type StateConfig = z.infer<typeof StateConfigSchema>;

const EndpointSchema = z.strictObject({ url: z.url(), credentials: z.literal('none').optional() });
export type Endpoint = z.infer<typeof EndpointSchema>;

/** API root overrides: private endpoints in production, local fakes in tests. */
export const EndpointsSchema = z.strictObject({
  run: EndpointSchema.optional(),
  sqladmin: EndpointSchema.optional(),
  monitoring: EndpointSchema.optional(),
  storage: EndpointSchema.optional(),
  s3: EndpointSchema.optional(),
  kubernetes: EndpointSchema.optional(),
  prometheus: PrometheusEndpointSchema.optional(),
});
export type Endpoints = z.infer<typeof EndpointsSchema>;

/** Notification severities, lowest first. */
export const Severities = ['info', 'warning', 'critical'] as const;
export const SeveritySchema = z.enum(Severities);
export type Severity = z.infer<typeof SeveritySchema>;

const ChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), url: SecretRefSchema }),
  z.strictObject({ type: z.literal('pagerduty'), routingKey: SecretRefSchema, url: z.url().optional() }),
  z.strictObject({
    type: z.literal('feishu'),
    url: SecretRefSchema,
    secret: SecretRefSchema.optional(),
    msgType: z.enum(['interactive', 'text']).default('interactive'),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z.union([z.url(), SecretRefSchema]),
    headers: z.record(z.string(), z.union([z.string(), SecretRefSchema])).optional(),
  }),
  z.strictObject({
    type: z.literal('pubsub'),
    topic: z.string().regex(/^projects\/[^/]+\/topics\/[^/]+$/, 'expected "projects/P/topics/T"'),
  }),
]);
export type Channel = z.infer<typeof ChannelSchema>;

/** Notification channels and the routes that pick them by severity. */
export const NotifyConfigSchema = z
  .strictObject({
    channels: z.record(NameSchema, ChannelSchema).default({}),
    routes: z
      .array(
        z.strictObject({
          severity: z.union([SeveritySchema, z.array(SeveritySchema)]),
          channels: z.array(NameSchema).min(1),
          functions: z.array(NameSchema).optional(),
        }),
      )
      .default([]),
    timeout: DurationSchema.default(5_000),
    retries: z.number().int().min(0).max(10).default(3),
  })
  .superRefine((notify, ctx) => {
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
  });
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;

const WindowSchema = z.strictObject({ max: z.number().int().positive(), window: DurationSchema });

/** Guardrails shared by every mutation: freeze windows, rate limits, breaker, lock lifetime. */
export const GuardConfigSchema = z.strictObject({
  freezeWindows: z
    .array(
      z.union([
        z.strictObject({
          start: z.iso.datetime({ offset: true }),
          end: z.iso.datetime({ offset: true }),
          reason: z.string().default('freeze'),
        }),
        z.strictObject({ cron: z.string().min(9), duration: DurationSchema, reason: z.string().default('freeze') }),
      ]),
    )
    .default([]),
  rateLimit: z
    .strictObject({
      perTarget: WindowSchema.default({ max: 3, window: 3_600_000 }),
      global: WindowSchema.default({ max: 10, window: 3_600_000 }),
    })
    .prefault({}),
  breaker: z
    .strictObject({ max: z.number().int().positive(), window: DurationSchema, open: DurationSchema })
    .prefault({ max: 20, window: '1h', open: '1h' }),
  lockTtl: DurationSchema.default(15 * 60_000),
  /**
   * A kill switch on the host's disk, for an estate without a shared store: while this file exists every function
   * refuses mutations, while `<pauseFile>.<function>` exists that one does (the first line is the reason).
   */
  pauseFile: z
    .string()
    .regex(/^\/[^\0]*[^/]$/, 'expected an absolute file path like "/var/lib/opsfn/pause"')
    .optional(),
});
export type GuardConfig = z.infer<typeof GuardConfigSchema>;

/** Runtime limits of the HTTP intake. */
export const LimitsSchema = z.strictObject({
  body: SizeSchema.default(1024 * 1024),
  // The idempotency claim lives for timeout + 1 min; it must expire well inside Pub/Sub's redelivery
  // window (message retention, at least 10 min) so a crashed run's message is run again.
  timeout: DurationSchema.refine(
    (ms) => ms <= 3_600_000,
    'expected at most 1h (the longest Cloud Run request)',
  ).default(540_000),
  /**
   * When a run is split into shards, each run as an invocation of its own (backupVerify and certExpiry READMEs):
   * work per shard, and how long a run waits for its shards before reporting the missing ones failed.
   */
  shards: z
    .strictObject({
      backups: z.number().int().min(1, 'expected at least 1').max(1_000).default(16),
      endpoints: z.number().int().min(1, 'expected at least 1').max(10_000).default(2_000),
      // Five deliveries of a 9-minute invocation with Pub/Sub's backoff (up to 10 min) end within about 95 min.
      deadline: DurationSchema.refine((ms) => ms >= 60_000, 'expected at least 1m').default(2 * 3_600_000),
    })
    .prefault({}),
});

/** Where run reports are written: gs://, s3:// or file://. */
export const ReportsSchema = z.strictObject({
  url: z.string().regex(/^(gs|s3|file):\/\//, 'expected gs://, s3:// or file:// URL'),
});
