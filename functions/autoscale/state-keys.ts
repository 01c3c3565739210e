/** State keys of the autoscale function, one place so the handler, the sweep and tests agree. */
export const AutoscaleKeys = {
  /** The active scale-up of a service: baseline, what was applied, when. */
  scale: (service: string) => `autoscale:scale:${service}`,
  scalePrefix: 'autoscale:scale:',
  /** One key per firing alert of a service; it expires after the policy's `down.staleAfter`. */
  firing: (service: string, fingerprint: string) => `autoscale:firing:${service}:${fingerprint}`,
  firingPrefix: (service: string) => `autoscale:firing:${service}:`,
  /**
   * The episode (`startedAt`) of an alert whose resolve was received, per fingerprint, so a firing of that episode
   * delivered late (a retried push, the other Alertmanager of an HA pair) does not mark it firing again.
   */
  resolved: (service: string, fingerprint: string) => `autoscale:resolved:${service}:${fingerprint}`,
  /** When a firing alert about the service was last received. */
  lastFiring: (service: string) => `autoscale:last-firing:${service}`,
  /** When an alert about the service last resolved. */
  lastResolved: (service: string) => `autoscale:last-resolved:${service}`,
  /** The last scaling change made by hand that autoscale noticed and left alone. */
  manual: (service: string) => `autoscale:manual:${service}`,
} as const;

/** What `autoscale:scale:<service>` holds while a scale-up is active. */
export interface ScaleRecord {
  service: string;
  /** Which bound was stepped (see `Knob.id`); a different knob later means someone changed the setup. */
  knob: string;
  /** The value before the first step: scale-downs never go below it. */
  baseline: number;
  /** The value autoscale last set. */
  applied: number;
  /** When autoscale last changed it, RFC 3339. */
  appliedAt: string;
  /** Set while a change is being applied, so a crash mid-change is recognized as ours. */
  pending?: number;
  policy: string;
  /** The alerts that drove the steps, newest last. */
  alerts: string[];
}

/** What `autoscale:firing:<service>:<fingerprint>` holds. */
export interface FiringMark {
  name: string;
  startedAt: string;
  seenAt: string;
}

/** What `autoscale:manual:<service>` holds. */
export interface ManualMark {
  at: string;
  knob: string;
  observed: number;
  expected: number;
  by?: string;
}

/** How long records are kept at most: a forgotten record must not steer a service months later. */
export const RECORD_TTL_MS = 30 * 86_400_000;
/** Alerts remembered per record. */
export const ALERTS_MAX = 20;
