import type { CheckStatus } from './checks/types.js';

/** What the sweep remembers of one check between runs. */
export interface CheckMemory {
  status: CheckStatus;
  detail: string;
  /** Consecutive failing runs. */
  failures: number;
  /** Failing for `failAfter` runs (or confirmed by an alert): people were told, or are about to be. */
  down: boolean;
  /** The first failing run of the current streak, RFC 3339. */
  since?: string;
  /** Times of down/up changes within the flapping window, oldest first. */
  transitions: string[];
  flapping: boolean;
  lastRunAt: string;
  /** Counters a check keeps until its next run (dead letters, pod restarts). */
  notes?: Record<string, number>;
}

/** How a check's memory moves on. */
export interface AdvancePolicy {
  failAfter: number;
  flapping: { transitions: number; windowMs: number };
  /** An alert confirmed by this run: a failing check is down at once. */
  confirmed?: boolean;
}

/** A check's memory after one run, and what changed. */
export interface Advance {
  memory: CheckMemory;
  /** `flapping`: it just started flapping; `steady`: it just stopped. */
  event?: 'down' | 'up' | 'flapping' | 'steady';
}

/** Whether a check with `every` is due: never run, or its last run is at least `every` ago. */
export function isDue(memory: CheckMemory | undefined, everyMs: number | undefined, now: Date): boolean {
  if (everyMs === undefined || !memory) return true;
  // A little slack, so a check due every 10 minutes is not skipped by a sweep that started a second early.
  return now.getTime() - Date.parse(memory.lastRunAt) >= everyMs - Math.min(30_000, everyMs / 10);
}

/**
 * Moves a check's memory on by one run: failures count up on `fail` (a warning is not a failure), the check is
 * down after `failAfter` failing runs, or at once when the failure is growth since the previous run (`growth`:
 * new dead letters, container restarts, which the next run cannot see again), and more than
 * `flapping.transitions` down/up changes within the window make it flapping until they drop below that again.
 */
export function advance(
  previous: CheckMemory | undefined,
  result: {
    status: CheckStatus;
    detail: string;
    notes?: Record<string, number> | undefined;
    growth?: boolean | undefined;
  },
  policy: AdvancePolicy,
  now: Date,
): Advance {
  const at = now.toISOString();
  const failing = result.status === 'fail';
  const failures = failing ? (previous?.failures ?? 0) + 1 : 0;
  const wasDown = previous?.down ?? false;
  const down =
    failing && (wasDown || failures >= policy.failAfter || policy.confirmed === true || result.growth === true);
  const horizon = now.getTime() - policy.flapping.windowMs;
  const transitions = (previous?.transitions ?? []).filter((t) => Date.parse(t) > horizon);
  if (down !== wasDown) transitions.push(at);
  const flapping = transitions.length > policy.flapping.transitions;
  const since = failing ? (previous?.since ?? at) : undefined;
  const memory: CheckMemory = {
    status: result.status,
    detail: result.detail,
    failures,
    down,
    ...(since ? { since } : {}),
    transitions,
    flapping,
    lastRunAt: at,
    // A check that could not measure (Redis down, a timeout) says nothing new: the last measurement stays the
    // baseline, so what grew meanwhile (dead letters, restarts) is counted on the next sweep, not forgotten.
    ...(result.notes ? { notes: result.notes } : previous?.notes ? { notes: previous.notes } : {}),
  };
  const wasFlapping = previous?.flapping ?? false;
  if (flapping && !wasFlapping) return { memory, event: 'flapping' };
  if (!flapping && wasFlapping) return { memory, event: 'steady' };
  if (down !== wasDown) return { memory, event: down ? 'down' : 'up' };
  return { memory };
}

/** An open incident of one group (a service, or a check without one): what was paged and when. */
export interface IncidentMemory {
  /** The dedupKey of the page; the recovery resolves it. */
  key: string;
  /** The first failing run of the first check that went down: the outage began then. */
  since: string;
  openedAt: string;
  /** When people last heard about it (the page or a reminder). */
  remindedAt: string;
  /** The checks in it. */
  down: string[];
}

/** One member of a group as the incident plan reads it. */
export interface GroupMember {
  name: string;
  memory: CheckMemory | undefined;
}

/** What to tell people about a group after a run. */
export type GroupPlan =
  | { kind: 'none' }
  | { kind: 'open'; incident: IncidentMemory; checks: string[] }
  | { kind: 'more'; incident: IncidentMemory; checks: string[] }
  | { kind: 'remind'; incident: IncidentMemory; checks: string[] }
  | { kind: 'recovered'; closed: IncidentMemory; outageMs: number };

/**
 * Plans the group's notification: a page once when its first check goes down (flapping checks open nothing),
 * a note when more go down, a reminder every `remindEveryMs` while any stays down, and a recovery when none is.
 */
export function planGroup(
  group: string,
  open: IncidentMemory | undefined,
  members: readonly GroupMember[],
  remindEveryMs: number,
  now: Date,
): GroupPlan {
  const at = now.toISOString();
  const down = members.filter((m) => m.memory?.down && (!m.memory.flapping || open?.down.includes(m.name)));
  const names = down.map((m) => m.name).sort();
  if (!open) {
    if (names.length === 0) return { kind: 'none' };
    const first = down.map((m) => m.memory?.since ?? at).sort()[0] ?? at;
    return {
      kind: 'open',
      incident: { key: `health:${group}:${first}`, since: first, openedAt: at, remindedAt: at, down: names },
      checks: names,
    };
  }
  if (names.length === 0) {
    return { kind: 'recovered', closed: open, outageMs: now.getTime() - Date.parse(open.since) };
  }
  const added = names.filter((n) => !open.down.includes(n));
  const incident = { ...open, down: [...new Set([...open.down, ...names])].sort() };
  if (added.length > 0) return { kind: 'more', incident, checks: added };
  if (now.getTime() - Date.parse(open.remindedAt) >= remindEveryMs) {
    return { kind: 'remind', incident: { ...incident, remindedAt: at }, checks: names };
  }
  return { kind: 'none' };
}
