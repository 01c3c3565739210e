import type { Notification } from './notification.js';

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** The label a human reads first: the severity in capitals, or RESOLVED for a resolve. */
export function statusLabel(message: Notification): string {
  return message.resolve ? 'RESOLVED' : message.severity.toUpperCase();
}

/** The notification's fields as display strings, in insertion order, at most `max` of them. */
export function fieldEntries(message: Notification, max: number): [string, string][] {
  return Object.entries(message.fields ?? {})
    .slice(0, max)
    .map(([key, value]) => [key, String(value)]);
}

/** The links that carry an http(s) URL; anything else would be refused by the receiver. */
export function httpLinks(message: Notification, max: number): { title: string; url: string }[] {
  return (message.links ?? []).filter((link) => /^https?:\/\//i.test(link.url)).slice(0, max);
}

/** The JSON document the generic webhook and Pub/Sub channels carry: the notification plus when and who sent it. */
export function notificationDocument(message: Notification, now: Date, maxText: number): Record<string, unknown> {
  return {
    source: 'opsfn',
    timestamp: now.toISOString(),
    ...message,
    resolve: message.resolve ?? false,
    text: truncate(message.text, maxText),
  };
}
