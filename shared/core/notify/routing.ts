import type { NotifyConfig } from '../config/index.js';
import type { Notification } from './notification.js';

type Route = NotifyConfig['routes'][number];

/**
 * Whether a route takes a message: its severity list is exact (`[warning]` does not take `critical`; list every
 * severity wanted), and when it lists functions, the message must come from one of them.
 */
export function routeMatches(
  route: Route,
  message: Pick<Notification, 'severity' | 'function'>,
  options: { anySeverity?: boolean } = {},
): boolean {
  const severities = Array.isArray(route.severity) ? route.severity : [route.severity];
  if (!options.anySeverity && !severities.includes(message.severity)) return false;
  if (route.functions === undefined) return true;
  return message.function !== undefined && route.functions.includes(message.function);
}

/**
 * The channel names every matching route picks, each once, in the order routes first name them; with
 * `anySeverity`, every channel a route of the message's function names, whatever the severity.
 */
export function routeChannels(
  routes: readonly Route[],
  message: Pick<Notification, 'severity' | 'function'>,
  options: { anySeverity?: boolean } = {},
): string[] {
  const picked = new Set<string>();
  for (const route of routes) {
    if (!routeMatches(route, message, options)) continue;
    for (const channel of route.channels) picked.add(channel);
  }
  return [...picked];
}
