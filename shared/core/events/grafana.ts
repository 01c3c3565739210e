import * as z from 'zod';
import {
  AlertmanagerAlertSchema,
  checkBatchSize,
  WebhookGroupShape,
  webhookAlert,
  webhookAlertId,
} from './alertmanager.js';
import { parseOrThrow } from './errors.js';
import type { AlertTrigger } from './trigger.js';

const UrlSchema = z.string().max(8192).optional();

/** One alert of a Grafana webhook contact point: Alertmanager's fields plus links and the query values by refID. */
export const GrafanaAlertSchema = AlertmanagerAlertSchema.extend({
  silenceURL: UrlSchema,
  dashboardURL: UrlSchema,
  panelURL: UrlSchema,
  imageURL: UrlSchema,
  values: z
    .record(z.string().max(256), z.number().nullable())
    .refine((values) => Object.keys(values).length <= 256, 'expected at most 256 values')
    .nullish(),
  valueString: z.string().max(65_536).optional(),
  orgId: z.number().optional(),
});

/** A Grafana-managed alerting webhook body, `version: "1"`. */
export const GrafanaWebhookSchema = z.object({
  ...WebhookGroupShape,
  version: z.literal('1'),
  orgId: z.number().optional(),
  title: z.string().max(65_536).optional(),
  message: z.string().max(1_048_576).optional(),
  state: z.string().max(64).optional(),
  alerts: z.array(GrafanaAlertSchema).min(1, 'expected at least one alert'),
});

function definedValues(values: Record<string, number | null> | null | undefined): Record<string, number> | undefined {
  if (!values) return undefined;
  const out: Record<string, number> = {};
  for (const [refId, value] of Object.entries(values)) if (value !== null) out[refId] = value;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Parses a Grafana webhook body into one alert trigger per alert, ids `grafana:<fingerprint>:<startsAt>:<status>`. */
export function parseGrafana(body: unknown): AlertTrigger[] {
  checkBatchSize(body, 'grafana');
  const webhook = parseOrThrow(GrafanaWebhookSchema, body, 'grafana');
  return webhook.alerts.map((raw) => {
    const alert = webhookAlert('grafana', raw);
    const values = definedValues(raw.values);
    if (values) alert.values = values;
    return { kind: 'alert', id: webhookAlertId('grafana', alert), alert };
  });
}
