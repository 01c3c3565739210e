import type { ScalingPlatform } from '../../shared/adapters/platforms/index.js';
import { formatDuration } from '../../shared/core/config/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import { applyScale } from './apply.js';
import type { AutoscalePolicy } from './config.js';
import type { Decision } from './decide.js';
import type { Knob } from './knob.js';
import { AutoscaleKeys, type ManualMark, RECORD_TTL_MS, type ScaleRecord } from './state-keys.js';

/** One service's outcome, as listed in the envelope's items. */
export interface ScaleItem {
  service: string;
  decision: Decision['kind'];
  /** The policy that decided. */
  policy?: string;
  knob?: string;
  from?: number;
  to?: number;
  status: 'done' | 'dry-run' | 'refused' | 'skipped' | 'noted' | 'failed';
  reasons: string[];
  error?: string;
  /** A person should look: a change made by hand, or a service autoscale stopped managing. */
  attention?: true;
}

/** Everything needed to carry a decision out on one service. */
export interface Subject {
  service: string;
  policy: AutoscalePolicy;
  policyName: string;
  platform: ScalingPlatform;
  knob: Knob;
  record: ScaleRecord | undefined;
  alerts: string[];
}

const ACTION = { up: 'scale-up', down: 'scale-down', reapply: 'reapply' } as const;

/** Carries out a decision: guarded changes for up, down and re-apply; records and notices for the rest. */
export async function execute(ctx: Context, s: Subject, decision: Decision): Promise<ScaleItem> {
  const base = {
    service: s.service,
    decision: decision.kind,
    policy: s.policyName,
    knob: s.knob.label,
    reasons: decision.reasons,
  };
  ctx.log.audit({
    decision: 'decided',
    target: s.service,
    reason: `${decision.kind}: ${decision.reasons.join('; ')}`,
    evidence: { policy: s.policyName, knob: s.knob, record: s.record, alerts: s.alerts },
  });
  if (decision.kind === 'hold') return { ...base, status: 'skipped' };
  if (decision.kind === 'release' || decision.kind === 'manual') {
    if (ctx.dryRun) return { ...base, status: 'dry-run' };
    await ctx.state.delete(AutoscaleKeys.scale(s.service));
    if (decision.kind === 'release') return { ...base, status: 'noted' };
    const mark: ManualMark = {
      at: ctx.now().toISOString(),
      knob: s.knob.id,
      observed: decision.observed,
      expected: decision.expected,
    };
    await ctx.state.put(AutoscaleKeys.manual(s.service), mark, RECORD_TTL_MS);
    await ctx.notify({
      severity: 'warning',
      title: `autoscale: ${s.service} was scaled by hand, left alone`,
      text: `${decision.reasons.join('; ')}. Autoscale will not scale it back down, and alerts step nothing up while it stays at ${decision.observed}, for ${formatDuration(s.policy.manualHold)} (manualHold); after that, or once it changes, an alert starts over from the value it finds.`,
      dedupKey: `autoscale-manual-${s.service}-${decision.observed}`,
      fields: { service: s.service, knob: s.knob.label, observed: decision.observed, expected: decision.expected },
    });
    return { ...base, status: 'noted', attention: true };
  }
  const action = ACTION[decision.kind];
  let outcome: Awaited<ReturnType<typeof applyScale>>;
  try {
    outcome = await applyScale(ctx, s.platform, {
      action,
      service: s.service,
      shape: s.policy,
      policyName: s.policyName,
      knob: s.knob,
      to: decision.to,
      baseline: decision.kind === 'reapply' ? (s.record?.baseline ?? decision.from) : decision.baseline,
      record: s.record,
      afterwards: decision.kind === 'down' && decision.final ? 'forget' : 'track',
      alerts: s.alerts,
      cooldownMs: s.policy.cooldown,
      evidence: { policy: s.policyName, reasons: decision.reasons },
    });
  } catch (error) {
    const message = errorMessage(error);
    // A failed step whose value the platform kept (or part of it, or one that cannot be read back) stays on record,
    // so the scale-down still finds its way back to the baseline.
    const kept = await ctx.state.get<ScaleRecord>(AutoscaleKeys.scale(s.service)).catch(() => undefined);
    const recorded = kept !== undefined && (kept.pending !== undefined || kept.applied !== s.record?.applied);
    const what = recorded
      ? 'The change failed; what it left is kept on record, so the scale-down returns to the baseline'
      : 'The change failed and was not recorded';
    await ctx.notify({
      severity: 'warning',
      title: `autoscale could not ${action} ${s.service}`,
      text: `${decision.reasons.join('; ')}. ${what}: ${message}`,
      fields: { service: s.service, knob: s.knob.label, from: decision.from, to: decision.to },
    });
    throw error;
  }
  const moved = { ...base, from: decision.from, to: decision.to };
  if (outcome.status === 'dry-run') return { ...moved, status: 'dry-run' };
  if (outcome.status === 'refused') return { ...moved, status: 'refused', reasons: [...base.reasons, outcome.reason] };
  if (!outcome.value.applied) return { ...moved, status: 'skipped', reasons: [...base.reasons, outcome.value.reason] };
  // A template change lands in a new revision: say which, and how much traffic it serves.
  const { reached, stateError, platformError } = outcome.value;
  const reasons = [
    ...decision.reasons,
    ...(reached
      ? [`the change created revision ${reached.revision}, which serves ${reached.percent} % of traffic`]
      : []),
    ...(platformError
      ? [
          `the platform's call failed (${platformError}), but ${s.knob.label} reads ${decision.to} now: the change is in place`,
        ]
      : []),
  ];
  await ctx.notify({
    severity: 'info',
    title: `autoscale: ${s.service} ${decision.kind} ${decision.from} → ${decision.to}`,
    text: `${reasons.join('; ')}.`,
    dedupKey: `autoscale-${s.service}-${action}-${decision.to}-${ctx.runId}`,
    fields: { service: s.service, knob: s.knob.label, from: decision.from, to: decision.to, policy: s.policyName },
  });
  const done = { ...moved, reasons, status: 'done' as const };
  return stateError ? { ...done, error: `record not written: ${stateError}` } : done;
}

/** A one-line summary of an item. */
export function describeItem(item: ScaleItem): string {
  const change = item.from === undefined ? '' : ` ${item.from} → ${item.to}`;
  const status = item.status === 'done' || item.status === 'noted' ? '' : ` (${item.status})`;
  if (item.decision === 'hold') return `${item.service}: hold — ${item.reasons.join('; ')}`;
  return `${item.service}: ${item.decision}${change}${status}`;
}
