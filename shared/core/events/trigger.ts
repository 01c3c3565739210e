import { LabelsSchema } from '../config/index.js';
import * as z from '../schema/index.js';

/** Where an alert came from. */
export const AlertSources = ['cloud-monitoring', 'alertmanager', 'grafana'] as const;

/**
 * One alert, normalized from any source. `labels` merges what identifies the target:
 * for Cloud Monitoring the resource labels, metric labels and policy user labels; for
 * Alertmanager and Grafana the alert's own labels.
 */
export const AlertSchema = z.object({
  source: z.enum(AlertSources),
  name: z.string(),
  state: z.enum(['firing', 'resolved']),
  labels: LabelsSchema,
  annotations: LabelsSchema,
  startedAt: z.string(),
  endedAt: z.optional(z.string()),
  fingerprint: z.string(),
  url: z.optional(z.string()),
  summary: z.optional(z.string()),
  /** Cloud Monitoring: the alert policy id parsed from `condition.name`. */
  policy: z.optional(z.string()),
  /** The observed value and threshold, when the source gives them. */
  observed: z.optional(z.number()),
  threshold: z.optional(z.number()),
  /** Grafana: the value of each query or expression of the rule, by refID. */
  values: z.optional(z.record(z.string(), z.number())),
});
export type Alert = z.infer<typeof AlertSchema>;

/** A Cloud Scheduler run (Pub/Sub or HTTP target) or an embedded-scheduler tick. */
export const ScheduledTriggerSchema = z.object({
  kind: z.literal('scheduled'),
  id: z.string(),
  job: z.string(),
  scheduledAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
  /**
   * Set when the message comes back through a dead-letter topic: every delivery of it failed, so it is not
   * worked again; a function records what it stood for as failed (a shard) or skips it.
   */
  deadLettered: z.optional(z.object({ deliveries: z.number().check(z.int(), z.gte(0)), subscription: z.string() })),
});

/** An alert notification: one per alert of a batch. */
export const AlertTriggerSchema = z.object({
  kind: z.literal('alert'),
  /** The alert identity used for idempotency (incident id + state; fingerprint + startsAt + status). */
  id: z.string(),
  alert: AlertSchema,
});

/** A direct request from a person or a script (HTTP with a bearer token or OIDC, or the CLI). */
export const ManualTriggerSchema = z.object({
  kind: z.literal('manual'),
  id: z.string(),
  payload: z.record(z.string(), z.unknown()),
  caller: z.optional(z.string()),
  /** The account behind `caller` when it has more than one name (`oidc:<subject>`); absent, `caller` is it. */
  principal: z.optional(z.string()),
});

/** Every way a function can be started, as one discriminated union. */
export const TriggerSchema = z.discriminatedUnion('kind', [
  ScheduledTriggerSchema,
  AlertTriggerSchema,
  ManualTriggerSchema,
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export type ScheduledTrigger = z.infer<typeof ScheduledTriggerSchema>;
export type AlertTrigger = z.infer<typeof AlertTriggerSchema>;
export type ManualTrigger = z.infer<typeof ManualTriggerSchema>;
export type TriggerKind = Trigger['kind'];

/** The wire formats intake recognizes. */
export const WireFormats = [
  'cloudevent-binary',
  'cloudevent-structured',
  'pubsub-push',
  'pubsub-unwrapped',
  'cloud-monitoring',
  'alertmanager',
  'grafana',
  'scheduler-http',
  'manual',
] as const;
export type WireFormat = (typeof WireFormats)[number];

/** A request as intake sees it: already read, size-checked, not yet parsed. */
export interface IncomingRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  /** The raw body bytes. */
  body: Buffer;
}

/** What intake makes of a request: the format it detected and the triggers it carries. */
export interface Intake {
  format: WireFormat;
  triggers: Trigger[];
  /**
   * Alerts of a webhook batch refused one by one (an oversized label, a malformed field), each naming why: the
   * batch's other alerts still run, since Alertmanager and Grafana never resend a batch answered 4xx.
   */
  rejected?: string[];
}
