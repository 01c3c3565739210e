/** State keys of the guardrails; one place so the CLI, the guard and tests agree. */
export const GuardKeys = {
  paused: 'control:paused',
  pausedFunction: (fn: string) => `control:paused:${fn}`,
  lock: (key: string) => `lock:${key}`,
  cooldown: (action: string, target: string) => `cooldown:${action}:${target}`,
  rateTarget: (target: string) => `rate:target:${target}`,
  rateGlobal: 'rate:global',
  breakerOpen: 'breaker:open',
  breakerActions: 'breaker:actions',
} as const;

/** What `opsfn pause` (or `POST /control/pause`, or a pause file) records. */
export interface PauseRecord {
  reason: string;
  at: string;
  by?: string;
}
