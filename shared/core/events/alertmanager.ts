import * as z from '../schema/index.js';
import { intakeError, parseOrThrow } from './errors.js';
import { BoundedAnnotationsSchema, BoundedLabelsSchema, IntakeLimits, Rfc3339Schema, toIsoTime } from './limits.js';
import type { Alert, AlertTrigger } from './trigger.js';

/** The longest link an alert carries on; a longer one is dropped, the alert kept. */
export const MAX_URL = 8192;

// Alertmanager blanks the end of an alert that has not ended to Go's zero time.
const GO_ZERO_TIME = '0001-01-01T00:00:00';

/**
 * The fields of one alert of an Alertmanager webhook batch
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config); Grafana's alerts extend them.
 * A function, so the schemas are built by the first parse that needs them.
 */
export function alertmanagerAlertShape() {
  return {
    status: z.enum(['firing', 'resolved']),
    labels: BoundedLabelsSchema.check(
      z.superRefine((labels, ctx) => {
        if (!labels.alertname) {
          ctx.addIssue({ code: 'custom', path: ['alertname'], message: 'expected a non-empty label' });
        }
      }),
    ),
    annotations: z.nullish(BoundedAnnotationsSchema),
    startsAt: Rfc3339Schema,
    endsAt: z.nullish(Rfc3339Schema),
    // Kept as the alert's link only up to 8 KiB (webhookAlert); a longer one (a long PromQL expression) is no
    // reason to refuse the alert.
    generatorURL: z.nullish(z.string()),
    fingerprint: z.string().check(z.regex(/^[0-9a-fA-F]{1,64}$/, 'expected a hex fingerprint')),
  };
}

/** One alert of an Alertmanager webhook batch. */
export const AlertmanagerAlertSchema = z.lazy(() => z.object(alertmanagerAlertShape()));
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlertSchema>;

/** The fields shared by the Alertmanager and Grafana webhook bodies. */
export function webhookGroupShape() {
  return {
    groupKey: z.nullish(z.string().check(z.maxLength(8192))),
    truncatedAlerts: z.nullish(z.number().check(z.int(), z.nonnegative())),
    status: z.nullish(z.enum(['firing', 'resolved'])),
    receiver: z.nullish(z.string().check(z.maxLength(1024))),
    groupLabels: z.nullish(BoundedLabelsSchema),
    commonLabels: z.nullish(BoundedLabelsSchema),
    commonAnnotations: z.nullish(BoundedAnnotationsSchema),
    externalURL: z.nullish(z.string().check(z.maxLength(8192))),
  };
}

/**
 * A Prometheus Alertmanager webhook body, `version: "4"`; `notification_reason` and `routeLabels` are optional. Its
 * alerts are checked one by one ({@link parseAlerts}).
 */
export const AlertmanagerWebhookSchema = z.lazy(() =>
  z.object({
    ...webhookGroupShape(),
    version: z.literal('4'),
    notification_reason: z.nullish(z.string().check(z.maxLength(256))),
    routeLabels: z.nullish(BoundedLabelsSchema),
    alerts: z.array(z.unknown()).check(z.minLength(1, 'expected at least one alert')),
  }),
);

/**
 * Checks each alert of a batch on its own: the valid ones are kept, each invalid one is named in `rejected`
 * (`alerts[1].labels.team: …`), and only a batch with no valid alert at all is refused, with its first one's error.
 */
export function parseAlerts<T>(
  alerts: readonly unknown[],
  schema: z.ZodMiniType<T>,
  format: string,
): { alerts: T[]; rejected: string[] } {
  const kept: T[] = [];
  const rejected: string[] = [];
  let first: Error | undefined;
  for (const [index, raw] of alerts.entries()) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) {
      kept.push(parsed.data);
      continue;
    }
    const error = intakeError(format, ['alerts', index], parsed.error);
    first ??= error;
    rejected.push(error.message);
  }
  if (kept.length === 0 && first) throw first;
  return { alerts: kept, rejected };
}

// Checked before the full schema so a hostile batch is refused without validating every element.
const BatchSizeSchema = z.lazy(() =>
  z.object({
    alerts: z
      .array(z.unknown(), { error: 'expected an array of alerts' })
      .check(
        z.maxLength(IntakeLimits.alertsPerBatch, `expected at most ${IntakeLimits.alertsPerBatch} alerts per batch`),
      ),
  }),
);

/** Throws when a webhook batch holds more alerts than intake accepts. */
export function checkBatchSize(body: unknown, format: string): void {
  parseOrThrow(BatchSizeSchema, body, format);
}

/** Normalizes one webhook alert; `endedAt` is set only for a resolved alert with a real end time. */
export function webhookAlert(source: 'alertmanager' | 'grafana', alert: AlertmanagerAlert): Alert {
  const annotations = alert.annotations ?? {};
  const out: Alert = {
    source,
    name: alert.labels.alertname ?? '',
    state: alert.status,
    labels: alert.labels,
    annotations,
    startedAt: toIsoTime(alert.startsAt),
    fingerprint: alert.fingerprint.toLowerCase(),
  };
  if (alert.status === 'resolved' && alert.endsAt && !alert.endsAt.startsWith(GO_ZERO_TIME)) {
    out.endedAt = toIsoTime(alert.endsAt);
  }
  if (alert.generatorURL && alert.generatorURL.length <= MAX_URL) out.url = alert.generatorURL;
  if (annotations.summary) out.summary = annotations.summary;
  return out;
}

/** Builds the idempotency id `<prefix>:<fingerprint>:<startsAt>:<status>` of one webhook alert. */
export function webhookAlertId(prefix: 'am' | 'grafana', alert: Alert): string {
  return `${prefix}:${alert.fingerprint}:${alert.startedAt}:${alert.state}`;
}

/**
 * Parses an Alertmanager webhook body into one alert trigger per valid alert of the batch; `rejected` names each
 * alert refused on its own.
 */
export function parseAlertmanagerBatch(body: unknown): { triggers: AlertTrigger[]; rejected: string[] } {
  checkBatchSize(body, 'alertmanager');
  const webhook = parseOrThrow(AlertmanagerWebhookSchema, body, 'alertmanager');
  const { alerts, rejected } = parseAlerts(webhook.alerts, AlertmanagerAlertSchema, 'alertmanager');
  const triggers = alerts.map((raw): AlertTrigger => {
    const alert = webhookAlert('alertmanager', raw);
    return { kind: 'alert', id: webhookAlertId('am', alert), alert };
  });
  return { triggers, rejected };
}

/** Parses an Alertmanager webhook body into one alert trigger per valid alert of the batch. */
export function parseAlertmanager(body: unknown): AlertTrigger[] {
  return parseAlertmanagerBatch(body).triggers;
}
