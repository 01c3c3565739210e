import * as z from 'zod';
import { LabelsSchema } from '../config/index.js';

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
  endedAt: z.string().optional(),
  fingerprint: z.string(),
  url: z.string().optional(),
  summary: z.string().optional(),
  /** Cloud Monitoring: the alert policy id parsed from `condition.name`. */
  policy: z.string().optional(),
  /** The observed value and threshold, when the source gives them. */
  observed: z.number().optional(),
  threshold: z.number().optional(),
  /** Grafana: the value of each query or expression of the rule, by refID. */
  values: z.record(z.string(), z.number()).optional(),
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
  deadLettered: z.object({ deliveries: z.number().int().min(0), subscription: z.string() }).optional(),
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
  caller: z.string().optional(),
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
}
