/** State keys of the health sweep, one place so the sweep, the alert path and tests agree. */
export const HealthKeys = {
  /** A check's memory: its last result, failures in a row, down, flapping, notes. */
  check: (name: string) => `health:check:${name}`,
  /** The open incident of a group (a service, or a check without one). */
  incident: (group: string) => `health:incident:${group}`,
  /** A service's restarts until it is healthy again. */
  remedy: (service: string) => `health:remedy:${service}`,
} as const;

/** How long memories are kept without a run: a check removed from the config is forgotten after this. */
export const MEMORY_TTL_MS = 30 * 86_400_000;
