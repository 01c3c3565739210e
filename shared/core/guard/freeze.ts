import type { GuardConfig } from '../config/index.js';

/**
 * The freeze window in force at `now`, if any: absolute windows and recurring `cron` + `duration` ones
 * (the cron library loads only for the latter, so an estate without them never pays for it).
 */
export async function activeFreeze(
  windows: GuardConfig['freezeWindows'],
  now: Date,
  timezone: string,
): Promise<{ reason: string; until: Date } | undefined> {
  for (const window of windows) {
    if ('start' in window) {
      const start = new Date(window.start);
      const end = new Date(window.end);
      if (now >= start && now < end) return { reason: window.reason, until: end };
      continue;
    }
    const { Cron } = await import('croner');
    const cron = new Cron(window.cron, { timezone, paused: true });
    const [last] = cron.previousRuns(1, now);
    if (last && now.getTime() < last.getTime() + window.duration) {
      return { reason: window.reason, until: new Date(last.getTime() + window.duration) };
    }
  }
  return undefined;
}
