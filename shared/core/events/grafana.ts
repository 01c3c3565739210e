import * as z from '../schema/index.js';
import {
  alertmanagerAlertShape,
  checkBatchSize,
  parseAlerts,
  webhookAlert,
  webhookAlertId,
  webhookGroupShape,
} from './alertmanager.js';
import { parseOrThrow } from './errors.js';
import type { AlertTrigger } from './trigger.js';

/** One alert of a Grafana webhook contact point: Alertmanager's fields plus links and the query values by refID. */
export const GrafanaAlertSchema = z.lazy(() => {
  // Links opsfn does not read: no length of theirs refuses an alert (Grafana builds silenceURL from every label).
  const url = z.optional(z.string());
  return z.object({
    ...alertmanagerAlertShape(),
    silenceURL: url,
    dashboardURL: url,
    panelURL: url,
    imageURL: url,
    values: z.nullish(
      z
        .record(z.string().check(z.maxLength(256)), z.nullable(z.number()))
        .check(z.refine((values) => Object.keys(values).length <= 256, 'expected at most 256 values')),
    ),
    valueString: z.optional(z.string().check(z.maxLength(65_536))),
    orgId: z.optional(z.number()),
  });
});

/** A Grafana-managed alerting webhook body, `version: "1"`. */
export const GrafanaWebhookSchema = z.lazy(() =>
  z.object({
    ...webhookGroupShape(),
    version: z.literal('1'),
    orgId: z.optional(z.number()),
    title: z.optional(z.string().check(z.maxLength(65_536))),
    message: z.optional(z.string().check(z.maxLength(1_048_576))),
    state: z.optional(z.string().check(z.maxLength(64))),
    alerts: z.array(z.unknown()).check(z.minLength(1, 'expected at least one alert')),
  }),
);

function definedValues(values: Record<string, number | null> | null | undefined): Record<string, number> | undefined {
  if (!values) return undefined;
  const out: Record<string, number> = {};
  for (const [refId, value] of Object.entries(values)) if (value !== null) out[refId] = value;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Parses a Grafana webhook body into one alert trigger per valid alert, ids `grafana:<fingerprint>:<startsAt>:<status>`;
 * `rejected` names each alert refused on its own.
 */
export function parseGrafanaBatch(body: unknown): { triggers: AlertTrigger[]; rejected: string[] } {
  checkBatchSize(body, 'grafana');
  const webhook = parseOrThrow(GrafanaWebhookSchema, body, 'grafana');
  const { alerts, rejected } = parseAlerts(webhook.alerts, GrafanaAlertSchema, 'grafana');
  const triggers = alerts.map((raw): AlertTrigger => {
    const alert = webhookAlert('grafana', raw);
    const values = definedValues(raw.values);
    if (values) alert.values = values;
    return { kind: 'alert', id: webhookAlertId('grafana', alert), alert };
  });
  return { triggers, rejected };
}

/** Parses a Grafana webhook body into one alert trigger per valid alert. */
export function parseGrafana(body: unknown): AlertTrigger[] {
  return parseGrafanaBatch(body).triggers;
}
