import * as z from '../schema/index.js';
import { parseOrThrow } from './errors.js';
import { BoundedLabelsSchema, IdPartSchema, parseNumeric } from './limits.js';
import type { Alert, AlertTrigger } from './trigger.js';

// Year 9999: beyond it `toISOString` throws, so a hostile epoch is rejected at the schema.
const MAX_EPOCH_SECONDS = 253_402_300_799;
const POLICY_IN_CONDITION = /^projects\/[^/]+\/alertPolicies\/([^/]+)\/conditions\/[^/]+$/;

/**
 * The `incident` object of a Cloud Monitoring notification, schema version 1.2
 * (https://cloud.google.com/monitoring/support/notification-options#webhooks).
 */
export const MonitoringIncidentSchema = z.lazy(() => {
  const epochSeconds = z
    .number({ error: 'expected epoch seconds' })
    .check(
      z.nonnegative('expected epoch seconds'),
      z.lte(MAX_EPOCH_SECONDS, 'expected epoch seconds before year 10000'),
    );
  const numericText = z.nullish(z.union([z.string().check(z.maxLength(256)), z.number()]));
  return z.object({
    incident_id: IdPartSchema,
    state: z.enum(['open', 'closed', 'acknowledged']),
    started_at: epochSeconds,
    ended_at: z.nullish(epochSeconds),
    url: z.nullish(z.string().check(z.maxLength(4096))),
    summary: z.nullish(z.string().check(z.maxLength(65_536))),
    severity: z.nullish(z.string().check(z.maxLength(256))),
    observed_value: numericText,
    threshold_value: numericText,
    resource: z.nullish(
      z.object({ type: z.nullish(z.string().check(z.maxLength(256))), labels: z.nullish(BoundedLabelsSchema) }),
    ),
    metric: z.nullish(
      z.object({ type: z.nullish(z.string().check(z.maxLength(1024))), labels: z.nullish(BoundedLabelsSchema) }),
    ),
    policy_name: z.string().check(z.minLength(1, 'expected a non-empty string'), z.maxLength(1024)),
    policy_user_labels: z.nullish(BoundedLabelsSchema),
    condition_name: z.nullish(z.string().check(z.maxLength(1024))),
    condition: z.nullish(z.object({ name: z.nullish(z.string().check(z.maxLength(1024))) })),
    documentation: z.nullish(
      z.object({
        content: z.nullish(z.string().check(z.maxLength(65_536))),
        subject: z.nullish(z.string().check(z.maxLength(1024))),
      }),
    ),
  });
});
export type MonitoringIncident = z.infer<typeof MonitoringIncidentSchema>;

/** A Cloud Monitoring webhook body (or Pub/Sub channel message): `{ version: "1.2", incident }`. */
export const MonitoringNotificationSchema = z.lazy(() =>
  z.object({
    version: z.literal('1.2'),
    incident: MonitoringIncidentSchema,
  }),
);

function compact(entries: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) if (value) out[key] = value;
  return out;
}

/** Normalizes a validated incident into an `Alert`; policy labels win over metric and resource labels. */
export function monitoringAlert(incident: MonitoringIncident): Alert {
  const userLabels = incident.policy_user_labels ?? {};
  const name = userLabels.alertname || incident.policy_name;
  const policy = POLICY_IN_CONDITION.exec(incident.condition?.name ?? '')?.[1];
  const annotations = compact({
    summary: incident.summary,
    severity: incident.severity,
    policy_name: incident.policy_name,
    condition_name: incident.condition_name,
    resource_type: incident.resource?.type,
    metric_type: incident.metric?.type,
    documentation: incident.documentation?.content,
    subject: incident.documentation?.subject,
  });
  const alert: Alert = {
    source: 'cloud-monitoring',
    name,
    state: incident.state === 'closed' ? 'resolved' : 'firing',
    labels: { ...incident.resource?.labels, ...incident.metric?.labels, ...userLabels, alertname: name },
    annotations,
    startedAt: new Date(incident.started_at * 1000).toISOString(),
    fingerprint: incident.incident_id,
  };
  if (typeof incident.ended_at === 'number') alert.endedAt = new Date(incident.ended_at * 1000).toISOString();
  if (incident.url) alert.url = incident.url;
  if (incident.summary) alert.summary = incident.summary;
  if (policy !== undefined) alert.policy = policy;
  const observed = parseNumeric(incident.observed_value);
  const threshold = parseNumeric(incident.threshold_value);
  if (observed !== undefined) alert.observed = observed;
  if (threshold !== undefined) alert.threshold = threshold;
  return alert;
}

/**
 * Parses a Cloud Monitoring notification into its one alert trigger, id `cm:<incident_id>:<state>`;
 * `acknowledged` shares the `open` identity because it is the same firing incident, not a new one.
 */
export function parseCloudMonitoring(
  body: unknown,
  format = 'cloud-monitoring',
  prefix: PropertyKey[] = [],
): AlertTrigger {
  const { incident } = parseOrThrow(MonitoringNotificationSchema, body, format, prefix);
  const state = incident.state === 'acknowledged' ? 'open' : incident.state;
  return { kind: 'alert', id: `cm:${incident.incident_id}:${state}`, alert: monitoringAlert(incident) };
}

/** Whether a JSON object carries the markers of a Cloud Monitoring notification. */
export function looksLikeCloudMonitoring(body: Record<string, unknown>): boolean {
  return 'incident' in body;
}
