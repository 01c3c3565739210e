import type { PlatformKind } from '../../shared/adapters/platforms/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Notification } from '../../shared/core/notify/index.js';
import type { Decision } from './decide.js';

/** Who and what a message is about. */
export interface MessageSubject {
  service: string;
  platform: PlatformKind;
  incident: string;
  url?: string;
}

/** The sentence every Cloud Run or compose rollback message carries: the service stays pinned until someone releases it. */
export function pinNote(subject: MessageSubject, revision: string): string {
  if (subject.platform === 'compose') {
    return `The service is pinned to ${revision}: opsfn's compose commands keep it there until the pin is released with \`opsfn release-pin ${subject.service}\` (a \`docker compose up\` without opsfn's override replaces it).`;
  }
  return subject.platform === 'cloud-run'
    ? `Traffic is pinned to ${revision}: new deploys get no traffic until the pin is released with \`opsfn release-pin ${subject.service}\`.`
    : '';
}

/** The dedupKey of every message about one alert's incident on one service: the trigger's pages and its resolve. */
export const incidentKey = (subject: Pick<MessageSubject, 'service' | 'incident'>) =>
  `rollback:${subject.service}:${subject.incident}`;

function base(
  subject: MessageSubject,
  severity: Notification['severity'],
  title: string,
  lines: string[],
): Notification {
  return {
    severity,
    title,
    text: lines.filter((l) => l !== '').join('\n'),
    dedupKey: incidentKey(subject),
    fields: { service: subject.service, incident: subject.incident },
    ...(subject.url ? { links: [{ title: 'alert', url: subject.url }] } : {}),
  };
}

/** The page for a decision that does not roll back, carrying its evidence and the pin an earlier rollback left. */
export function decisionMessage(subject: MessageSubject, decision: Decision, pinned?: string): Notification {
  const severity = decision.kind === 'page' ? decision.severity : 'info';
  const titles: Record<string, string> = {
    inconclusive: 'error rate unconfirmed, holding',
    'not-the-deploy': 'errors not caused by the last deploy, no rollback',
    'previous-unhealthy': 'previous revision unhealthy too, no rollback',
    'no-target': 'no rollback target',
    chain: 'still failing after a rollback, no second rollback',
    recovered: 'error rate below threshold, no action',
    'not-serving': 'alerted revision no longer serves, no action',
  };
  return base(subject, severity, `rollback ${subject.service}: ${titles[decision.verdict] ?? decision.verdict}`, [
    ...decision.reasons,
    pinned ? pinNote(subject, pinned) : '',
  ]);
}

/** The message sent once traffic has moved back. */
export function rolledBackMessage(subject: MessageSubject, from: string, to: string, reasons: string[]): Notification {
  return base(subject, 'warning', `rollback ${subject.service}: rolled back ${from} → ${to}`, [
    ...reasons,
    `Verifying the error rate after the settle time.`,
    pinNote(subject, to),
  ]);
}

/** A confirmed rollback that a guardrail blocked: people must act by hand. */
export function blockedMessage(
  subject: MessageSubject,
  from: string,
  to: string,
  why: string,
  reasons: string[],
): Notification {
  return base(subject, 'critical', `rollback ${subject.service}: rollback ${from} → ${to} blocked`, [
    `Blocked by ${why}.`,
    ...reasons,
  ]);
}

/** A confirmed rollback whose platform call failed: people must take over; no automatic rollback follows it. */
export function failedMessage(
  subject: MessageSubject,
  from: string,
  to: string,
  error: unknown,
  reasons: string[],
  marked: boolean,
) {
  const why = errorMessage(error);
  return base(subject, 'critical', `rollback ${subject.service}: rollback ${from} → ${to} failed`, [
    `The rollback failed: ${why}`,
    marked
      ? `${from} is marked bad and a chain mark keeps any further automatic rollback of ${subject.service} off; no pin was recorded. Check what the service serves before acting by hand.`
      : `No bad mark or chain mark was recorded (the failure came first), so a later alert may decide again; no pin was recorded. Check what the service serves before acting by hand.`,
    ...reasons,
  ]);
}

/** The verification result: recovered (info), still failing (critical), or unverifiable (warning). */
export function verifiedMessage(
  subject: MessageSubject,
  to: string,
  state: 'high' | 'low' | 'unknown',
  reason: string,
): Notification {
  const severity = state === 'low' ? 'info' : state === 'high' ? 'critical' : 'warning';
  const title =
    state === 'low'
      ? `recovered on ${to}`
      : state === 'high'
        ? `still failing on ${to} after the rollback: escalating, no second rollback`
        : `recovery on ${to} could not be verified`;
  return base(subject, severity, `rollback ${subject.service}: ${title}`, [`${to}: ${reason}`, pinNote(subject, to)]);
}

/** A resolved alert: recorded and notified, never acted on. */
export function resolvedMessage(subject: MessageSubject, alertName: string, pinned?: string): Notification {
  const message = base(subject, 'info', `rollback ${subject.service}: alert ${alertName} resolved`, [
    'Resolved alerts are recorded, never acted on.',
    pinned ? pinNote(subject, pinned) : '',
  ]);
  return { ...message, resolve: true };
}
