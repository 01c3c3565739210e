import type { ScalingPlatform } from '../../shared/adapters/platforms/index.js';
import { PlatformOperationError, previewChange } from '../../shared/adapters/platforms/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { ActOutcome } from '../../shared/core/guard/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { AutoscalePolicy } from './config.js';
import { type Knob, knobRequest, readKnob } from './knob.js';
import { ALERTS_MAX, AutoscaleKeys, RECORD_TTL_MS, type ScaleRecord } from './state-keys.js';
import { readSignals } from './track.js';

/** One guarded scaling change. */
export interface ScalePlan {
  action: 'scale-up' | 'scale-down' | 'reapply' | 'scale-set';
  service: string;
  /** Which knob (and Cloud Run level) the change is on. */
  shape: Pick<AutoscalePolicy, 'knob' | 'level'>;
  policyName: string;
  /** The knob as the decision saw it; the change is dropped when it moved since. */
  knob: Knob;
  to: number;
  baseline: number;
  record: ScaleRecord | undefined;
  /** After the change: keep tracking the scale-up, or forget it (back at baseline, or a person set it). */
  afterwards: 'track' | 'forget';
  alerts: string[];
  cooldownMs?: number;
  evidence: Record<string, unknown>;
}

/** What the mutation did once the guard let it run. */
export type ApplyResult =
  | {
      applied: true;
      stateError?: string;
      /** The platform call failed, yet the value read back afterwards is the new one: what the call said. */
      platformError?: string;
      reached?: { revision: string; percent: number };
    }
  | { applied: false; reason: string };

/**
 * Runs the change through `ctx.act` (lock per service, cooldown, breaker, dry-run, audit). Under the lock
 * it re-reads the knob, so of many concurrent alerts only the first steps; it records the baseline before
 * the change, and puts the record back when the platform refused it, so nothing is left half-applied.
 */
export async function applyScale(
  ctx: Context,
  platform: ScalingPlatform,
  plan: ScalePlan,
): Promise<ActOutcome<ApplyResult>> {
  const key = AutoscaleKeys.scale(plan.service);
  const before = plan.knob.value;
  const command = await previewChange(platform, { kind: 'scale', replicas: plan.to });
  const change = { knob: plan.knob.label, before, after: plan.to, ...command };
  const restore = async () => {
    if (plan.record) await ctx.state.put(key, plan.record, RECORD_TTL_MS);
    else await ctx.state.delete(key);
  };
  const finish = async (): Promise<string | undefined> => {
    try {
      if (plan.afterwards === 'forget') {
        await ctx.state.delete(key);
        return undefined;
      }
      await ctx.state.put(key, recordAt(plan, plan.to, ctx.now()), RECORD_TTL_MS);
      return undefined;
    } catch (error) {
      // The platform already changed: report the lost bookkeeping instead of failing a change that happened.
      const message = errorMessage(error);
      ctx.log.error('scaling applied but its record was not written', { service: plan.service, error: message });
      return message;
    }
  };

  return ctx.act<ApplyResult>(
    plan.action,
    plan.service,
    async () => {
      const state = await platform.scaling();
      const fresh = readKnob(state, plan.shape);
      if ('error' in fresh) return { applied: false, reason: fresh.error };
      if (fresh.id !== plan.knob.id || fresh.value !== before) {
        return {
          applied: false,
          reason: `${fresh.label} is now ${fresh.value}, not ${before}: another change got there first`,
        };
      }
      if (plan.action === 'scale-down') {
        // The trail was read before the lock: an alert that came in since, held by this lock or by the step it
        // already took, fires now, and scaling down under it would leave the service short for the incident.
        const { firing } = await readSignals(ctx, plan.service);
        if (firing > 0) return { applied: false, reason: `${firing} alert(s) fire now: no step down` };
      }
      if (plan.afterwards === 'track') {
        // The baseline is on record before the platform is touched: a crash mid-change still finds its way down.
        const pending: ScaleRecord = plan.record
          ? { ...plan.record, pending: plan.to }
          : {
              service: plan.service,
              knob: plan.knob.id,
              baseline: plan.baseline,
              applied: before,
              appliedAt: ctx.now().toISOString(),
              pending: plan.to,
              policy: plan.policyName,
              alerts: [],
            };
        await ctx.state.put(key, pending, RECORD_TTL_MS);
      }
      let reached: { revision: string; percent: number } | undefined;
      try {
        ({ reached } = await platform.apply(knobRequest(fresh, plan.to, state), { signal: ctx.signal }));
      } catch (error) {
        const now = await readBack(platform, plan);
        if (now === plan.to && error instanceof PlatformOperationError) {
          // The platform stored the value and then said its operation failed (Cloud Run: the revision the change
          // created never got Ready, traffic stays where it was): no capacity may have come of it. It is kept on
          // record, so the scale-down still puts the baseline back, and the step fails and pages.
          const stateError = await finish();
          if (stateError) ctx.log.error('a failed scaling step left its value but no record', { stateError });
          throw error;
        }
        if (now === plan.to) {
          // The change is in place though the call failed (its answer lost, a read-back that erred): it happened,
          // so it is recorded, audited and cooled down as done; failing it would have a redelivery step again.
          const stateError = await finish();
          return { applied: true, platformError: errorMessage(error), ...(stateError ? { stateError } : {}) };
        }
        if (plan.afterwards === 'track') {
          // Part of it landed (compose started some of the containers asked for): the record keeps what runs now,
          // so the scale-down still finds its way back to the baseline; otherwise it is put back as it was.
          // Only a value between the two is this change's part; any other is someone else's (a concurrent scale).
          // A value that cannot be read back may be the step in place: the record keeps it pending (the step's value
          // counts as autoscale's own), so it is neither lost nor taken for someone else's change.
          if (now !== undefined) {
            const partial =
              (now - before) * (plan.to - now) > 0
                ? ctx.state.put(key, recordAt(plan, now, ctx.now()), RECORD_TTL_MS)
                : restore();
            await partial.catch(() => undefined);
          }
        }
        throw error;
      }
      const stateError = await finish();
      return { applied: true, ...(stateError ? { stateError } : {}), ...(reached ? { reached } : {}) };
    },
    {
      ...(plan.cooldownMs ? { cooldownMs: plan.cooldownMs } : {}),
      evidence: { alerts: plan.alerts, before, after: plan.to, baseline: plan.baseline, ...plan.evidence },
      change,
      unchanged: (result) => (result.applied ? undefined : result.reason),
    },
  );
}

/** The knob's value read back after a failed call; undefined when it cannot be read or is another knob now. */
async function readBack(platform: ScalingPlatform, plan: ScalePlan): Promise<number | undefined> {
  try {
    const again = readKnob(await platform.scaling(), plan.shape);
    return 'error' in again || again.id !== plan.knob.id ? undefined : again.value;
  } catch {
    return undefined;
  }
}

/** The record of a tracked scale-up once `value` runs: the plan's whole step, or the part of it that landed. */
function recordAt(plan: ScalePlan, value: number, now: Date): ScaleRecord {
  return {
    service: plan.service,
    knob: plan.knob.id,
    baseline: plan.baseline,
    applied: value,
    appliedAt: now.toISOString(),
    policy: plan.policyName,
    alerts: [...(plan.record?.alerts ?? []), ...plan.alerts].slice(-ALERTS_MAX),
  };
}
