import { randomUUID } from 'node:crypto';
import type { Alert, AlertTrigger, ManualTrigger, ScheduledTrigger } from '../core/events/index.js';

const uniqueId = (prefix: string) => `${prefix}:${randomUUID()}`;

/**
 * What {@link alertTrigger} takes beside the alert's name: any field of the alert, and the trigger's
 * `id` (a fresh one by default, so each call is a new delivery; give the same one to test a redelivery).
 */
export type AlertTriggerOptions = Partial<Alert> & { id?: string };

/**
 * An alert trigger as intake makes it: firing, from Alertmanager, labelled `alertname: <name>`.
 * @example alertTrigger('HighErrorRate', { labels: { service: 'web' } })
 */
export function alertTrigger(name: string, options: AlertTriggerOptions = {}): AlertTrigger {
  const { id, labels, ...alert } = options;
  const fingerprint = alert.fingerprint ?? randomUUID();
  return {
    kind: 'alert',
    id: id ?? uniqueId(`alert:${fingerprint}:${alert.state ?? 'firing'}`),
    alert: {
      source: 'alertmanager',
      name,
      state: 'firing',
      annotations: {},
      startedAt: new Date().toISOString(),
      ...alert,
      labels: { alertname: name, ...labels },
      fingerprint,
    },
  };
}

/** What {@link scheduledTrigger} takes beside the payload. */
export type ScheduledTriggerOptions = Partial<Omit<ScheduledTrigger, 'kind' | 'payload'>>;

/**
 * A scheduled trigger as Cloud Scheduler or the embedded scheduler sends it, with a fresh id.
 * @example scheduledTrigger({ task: 'janitor' }, { job: 'dr-drill-janitor' })
 */
export function scheduledTrigger(
  payload: Record<string, unknown> = {},
  options: ScheduledTriggerOptions = {},
): ScheduledTrigger {
  return {
    kind: 'scheduled',
    id: options.id ?? uniqueId('scheduled'),
    job: options.job ?? 'test',
    scheduledAt: options.scheduledAt ?? new Date().toISOString(),
    payload,
  };
}

/** What {@link manualTrigger} takes beside the payload. */
export type ManualTriggerOptions = Partial<Omit<ManualTrigger, 'kind' | 'payload'>>;

/**
 * A manual trigger as an HTTP call or `opsfn invoke` makes it, by caller `test` with a fresh id.
 * @example manualTrigger({ service: 'web', min: 4, reason: 'sale at noon' })
 */
export function manualTrigger(
  payload: Record<string, unknown> = {},
  options: ManualTriggerOptions = {},
): ManualTrigger {
  return { kind: 'manual', id: options.id ?? uniqueId('manual'), payload, caller: options.caller ?? 'test' };
}
