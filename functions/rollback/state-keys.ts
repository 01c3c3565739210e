/** State keys of the rollback function, one place so the handler, release-pin and tests agree. */
export const RollbackKeys = {
  /** Revisions rolled back from, never chosen as a target again. */
  bad: (service: string) => `rollback:bad:${service}`,
  /** Cloud Run: the revision traffic is pinned to after a rollback. */
  pin: (service: string) => `rollback:pin:${service}`,
  /** The last automatic rollback, so a second one never follows by itself. */
  chain: (service: string) => `rollback:chain:${service}`,
  /**
   * A rollback under way (set under the service lock, for as long as the lock may be held): a run refused by the
   * lock while it is there leaves the incident to that rollback; while it is not, the lock is another function's.
   */
  active: (service: string) => `rollback:active:${service}`,
} as const;

/** What `rollback:pin:<service>` holds. */
export interface PinRecord {
  revision: string;
  from: string;
  at: string;
  incident: string;
}

/** How long bad marks are remembered. */
export const BAD_TTL_MS = 30 * 86_400_000;
/** Bad marks kept per service, newest last. */
export const BAD_MAX = 50;
