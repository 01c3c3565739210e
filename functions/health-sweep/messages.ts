import { formatDuration } from '../../shared/core/config/index.js';
import type { Notification } from '../../shared/core/notify/index.js';
import type { CheckMemory, IncidentMemory } from './decide.js';

/** A check as a message lists it. */
export interface MessageCheck {
  name: string;
  severity: 'warning' | 'critical';
  memory: CheckMemory | undefined;
}

function line(check: MessageCheck): string {
  const since = check.memory?.since ? ` (failing since ${check.memory.since})` : '';
  return `- ${check.name}: ${check.memory?.detail ?? 'no result'}${since}`;
}

const severityOf = (checks: readonly MessageCheck[]) =>
  checks.some((c) => c.severity === 'critical') ? 'critical' : 'warning';

/** The page when a group's first check goes down. */
export function downMessage(group: string, incident: IncidentMemory, checks: readonly MessageCheck[]): Notification {
  return {
    severity: severityOf(checks),
    title: `${group} down: ${checks.map((c) => c.name).join(', ')}`,
    text: `Failing since ${incident.since}:\n${checks.map(line).join('\n')}`,
    dedupKey: incident.key,
    fields: { group, checks: checks.length, since: incident.since },
  };
}

/** More checks of an already paged group went down: told without opening another incident. */
export function moreMessage(group: string, checks: readonly MessageCheck[]): Notification {
  return {
    severity: 'warning',
    title: `${group}: also failing now: ${checks.map((c) => c.name).join(', ')}`,
    text: checks.map(line).join('\n'),
    fields: { group },
  };
}

/** The reminder while a group stays down. */
export function remindMessage(
  group: string,
  incident: IncidentMemory,
  checks: readonly MessageCheck[],
  now: Date,
): Notification {
  const outage = formatDuration(now.getTime() - Date.parse(incident.since));
  return {
    severity: 'warning',
    title: `${group} still down after ${outage}`,
    text: checks.map(line).join('\n'),
    fields: { group, since: incident.since },
  };
}

/** The recovery, resolving the page. */
export function recoveredMessage(group: string, incident: IncidentMemory, outageMs: number): Notification {
  return {
    severity: 'info',
    title: `${group} recovered after ${formatDuration(Math.max(outageMs, 1_000))}`,
    text: `Every check that failed passes again: ${incident.down.join(', ')} (down since ${incident.since}).`,
    dedupKey: incident.key,
    resolve: true,
    fields: { group, since: incident.since },
  };
}

/** A check that changes state too often: reported once instead of a page per change. */
export function flappingMessage(check: MessageCheck, transitions: number, windowMs: number): Notification {
  return {
    severity: 'warning',
    title: `${check.name} is flapping: ${transitions} changes within ${formatDuration(windowMs)}`,
    text: `${check.memory?.detail ?? ''}\nNo page per change while it flaps; it is reported again once it stays down or up.`,
    fields: { check: check.name },
  };
}
