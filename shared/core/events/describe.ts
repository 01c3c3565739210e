import type { Trigger } from './trigger.js';

const MAX_FIELD = 120;

// Names and labels come from the sender: strip control characters so one trigger stays one log line.
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > MAX_FIELD ? `${flat.slice(0, MAX_FIELD - 1)}…` : flat;
}

/**
 * Describes a trigger in one line for logs and the CLI.
 * @example describeTrigger(t) // 'alert alertmanager "HighErrorRate" firing since 2026-01-01T10:00:00.000Z (am:c6ea…:firing)'
 */
export function describeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'alert': {
      const { alert } = trigger;
      const when = alert.state === 'resolved' && alert.endedAt ? `ended ${alert.endedAt}` : `since ${alert.startedAt}`;
      return `alert ${alert.source} "${clean(alert.name)}" ${alert.state} ${when} (${clean(trigger.id)})`;
    }
    case 'scheduled': {
      const dead = trigger.deadLettered
        ? `, dead-lettered after ${trigger.deadLettered.deliveries} deliveries to ${clean(trigger.deadLettered.subscription)}`
        : '';
      return `scheduled job "${clean(trigger.job)}" at ${clean(trigger.scheduledAt)} (${clean(trigger.id)}${dead})`;
    }
    case 'manual':
      return `manual${trigger.caller ? ` by ${clean(trigger.caller)}` : ''} (${clean(trigger.id)})`;
  }
}
