import { formatDuration } from '../../shared/core/config/index.js';
import type { AutoscalePolicy, ScaleStep } from './config.js';
import type { Knob } from './knob.js';
import type { ManualMark, ScaleRecord } from './state-keys.js';

/** What autoscale decided for one service. */
export type Decision =
  | { kind: 'up'; from: number; to: number; baseline: number; reasons: string[] }
  | { kind: 'down'; from: number; to: number; baseline: number; final: boolean; reasons: string[] }
  | { kind: 'reapply'; from: number; to: number; reasons: string[] }
  | { kind: 'manual'; observed: number; expected: number; reasons: string[] }
  | { kind: 'release'; reasons: string[] }
  | { kind: 'hold'; reasons: string[] };

/** How the current value relates to what autoscale recorded. */
export type Relation = 'none' | 'ours' | 'reset' | 'manual';

/** What the alert trail says about a service. */
export interface Signals {
  /** Firing alerts about the service not yet resolved nor stale. */
  firing: number;
  lastFiringAt?: string;
  lastResolvedAt?: string;
}

/** One step up from `value`: a percentage rounds up and always adds at least one. */
export function stepUp(value: number, step: ScaleStep): number {
  if (step.kind === 'count') return value + step.value;
  return Math.max(value + 1, Math.ceil((value * (100 + step.value)) / 100));
}

/** One step down from `value`, or straight to 0 (the caller clamps to baseline and floor) when no step is set. */
export function stepDown(value: number, step: ScaleStep | undefined): number {
  if (!step) return 0;
  if (step.kind === 'count') return Math.max(0, value - step.value);
  return Math.max(0, value - Math.max(1, Math.ceil((value * step.value) / 100)));
}

/**
 * Classifies the current value: ours when it is what autoscale set (or was setting), reset when a deploy
 * put it back to the baseline below an active scale-up, manual when it is anything else.
 */
export function relation(knob: Knob, record: ScaleRecord | undefined): Relation {
  if (!record) return 'none';
  if (record.knob !== knob.id) return 'manual';
  if (knob.value === record.applied || knob.value === record.pending) return 'ours';
  if (knob.value === record.baseline && record.baseline < record.applied) return 'reset';
  return 'manual';
}

function manual(knob: Knob, record: ScaleRecord): Decision {
  const what =
    record.knob === knob.id
      ? `${knob.label} is ${knob.value}, autoscale set ${record.applied} (baseline ${record.baseline})`
      : `the scaling knob changed from ${record.knob} to ${knob.id}`;
  return {
    kind: 'manual',
    observed: knob.value,
    expected: record.applied,
    reasons: [`${what}: changed by hand, left alone and no longer managed`],
  };
}

/**
 * A firing alert meeting a value set by hand: held while the value is still the one the person set (the same knob,
 * the same value), for `policy.manualHold` after it was set, unless autoscale has changed the service since.
 */
export function handedOver(input: {
  policy: AutoscalePolicy;
  knob: Knob;
  record: ScaleRecord | undefined;
  manual: ManualMark | undefined;
  now: Date;
}): Decision | undefined {
  const { knob, manual, record } = input;
  if (!manual || manual.knob !== knob.id || manual.observed !== knob.value) return undefined;
  const at = Date.parse(manual.at);
  if (!(at + input.policy.manualHold > input.now.getTime())) return undefined;
  if (record && Date.parse(record.appliedAt) > at) return undefined;
  const by = manual.by ? ` by ${manual.by}` : '';
  return {
    kind: 'hold',
    reasons: [
      `${knob.label} was set to ${knob.value} by hand${by} at ${manual.at}: left to the person while it stays so, ` +
        `until ${new Date(at + input.policy.manualHold).toISOString()} (manualHold)`,
    ],
  };
}

/** A firing alert: one step up within `up.max` and the platform's ceiling, unless cooling down or changed by hand. */
export function decideUp(input: {
  policy: AutoscalePolicy;
  knob: Knob;
  record: ScaleRecord | undefined;
  coolingMs: number;
}): Decision {
  const { policy, knob, record } = input;
  const rel = relation(knob, record);
  if (rel === 'manual' && record) return manual(knob, record);
  if (input.coolingMs > 0) {
    return { kind: 'hold', reasons: [`cooling down for ${formatDuration(input.coolingMs)} after the last step up`] };
  }
  const from = rel === 'reset' && record ? record.applied : knob.value;
  const max = knob.ceiling === undefined ? policy.up.max : Math.min(policy.up.max, knob.ceiling);
  if (from >= max) {
    const bound = max < policy.up.max ? `the platform's ceiling ${max}` : `up.max ${policy.up.max}`;
    // A deploy reset the value under an alert that still fires: put back what was applied, not hold at the reset.
    if (rel === 'reset' && record && knob.value < max) {
      return reapply(knob, { ...record, applied: Math.min(record.applied, max) }, [`already at ${bound}`]);
    }
    return { kind: 'hold', reasons: [`${knob.label} is ${from}, already at ${bound}`] };
  }
  const stepped = stepUp(from, policy.up.step);
  const to = Math.min(stepped, max);
  const reasons = [`step ${knob.label} ${from} → ${to}`];
  if (rel === 'reset') reasons.unshift(`${knob.label} was reset to ${knob.value} below the active ${from}`);
  if (to < stepped) reasons.push(`capped at ${to < policy.up.max ? "the platform's ceiling" : 'up.max'} ${to}`);
  return { kind: 'up', from: knob.value, to, baseline: record?.baseline ?? knob.value, reasons };
}

/**
 * The sweep (and a resolved alert): with no firing alert for `down.after`, one step down toward the
 * baseline (never below it nor `down.floor`); before that, re-apply a value a deploy reset.
 */
export function decideDown(input: {
  policy: AutoscalePolicy;
  knob: Knob;
  record: ScaleRecord | undefined;
  signals: Signals;
  now: Date;
}): Decision {
  const { policy, knob, record, signals } = input;
  if (!record) return { kind: 'hold', reasons: ['no active scale-up'] };
  const rel = relation(knob, record);
  if (rel === 'manual') return manual(knob, record);
  const times = [record.appliedAt, signals.lastFiringAt, signals.lastResolvedAt].map((t) => (t ? Date.parse(t) : 0));
  const quietSince = Math.max(...times.filter((t) => Number.isFinite(t)));
  const dueAt = quietSince + policy.down.after;
  const target = Math.max(record.baseline, policy.down.floor, knob.bottom);
  if (signals.firing > 0) {
    const reasons = [`${signals.firing} alert${signals.firing === 1 ? '' : 's'} still firing`];
    return rel === 'reset' ? reapply(knob, record, reasons) : { kind: 'hold', reasons };
  }
  if (input.now.getTime() < dueAt) {
    const reasons = [`no firing alert; scale-down due at ${new Date(dueAt).toISOString()}`];
    return rel === 'reset' ? reapply(knob, record, reasons) : { kind: 'hold', reasons };
  }
  if (knob.value <= target) {
    return { kind: 'release', reasons: [`${knob.label} is ${knob.value}, back at the baseline: scale-up over`] };
  }
  const to = Math.max(target, stepDown(knob.value, policy.down.step));
  const quiet = formatDuration(input.now.getTime() - quietSince);
  return {
    kind: 'down',
    from: knob.value,
    to,
    baseline: record.baseline,
    final: to <= target,
    reasons: [`no firing alert for ${quiet}: step ${knob.label} ${knob.value} → ${to} (baseline ${record.baseline})`],
  };
}

function reapply(knob: Knob, record: ScaleRecord, why: string[]): Decision {
  return {
    kind: 'reapply',
    from: knob.value,
    to: record.applied,
    reasons: [`${knob.label} was reset to ${knob.value} below the active ${record.applied}`, ...why],
  };
}
