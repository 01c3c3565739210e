/** State keys of the rollback function, one place so the handler, release-pin and tests agree. */
export const RollbackKeys = {
  /** Revisions rolled back from, never chosen as a target again. */
  bad: (service: string) => `rollback:bad:${service}`,
  /** Cloud Run: the revision traffic is pinned to after a rollback. */
  pin: (service: string) => `rollback:pin:${service}`,
  /** The last automatic rollback, so a second one never follows by itself. */
  chain: (service: string) => `rollback:chain:${service}`,
  /**
   * A rollback run going for the service's lock or holding it (`runId`), from before it asks for the lock until its
   * guarded change is over: a run refused by the lock while another run's mark is there leaves the incident to that
   * rollback; with none there, the lock is held by something else (autoscale, a pin release, a restart).
   */
  active: (service: string, runId: string) => `rollback:active:${service}:${runId}`,
  activePrefix: (service: string) => `rollback:active:${service}:`,
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
