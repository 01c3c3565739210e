import { entryOf } from '../../shared/core/config/index.js';
import { BadInputError, NotFoundError } from '../../shared/core/errors/index.js';
import { policyFor, policyName } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { applyScale } from './apply.js';
import type { AutoscaleDeps } from './deps.js';
import type { ManualScale } from './input.js';
import { readKnob } from './knob.js';
import { AutoscaleKeys, type ManualMark, RECORD_TTL_MS, type ScaleRecord } from './state-keys.js';

function knobOf(request: ManualScale): 'replicas' | 'min' | 'max' {
  if (request.replicas !== undefined) return 'replicas';
  return request.min !== undefined ? 'min' : 'max';
}

/**
 * A person sets one bound of one service: `replicas` (Kubernetes without an HPA), `min` (Cloud Run min
 * instances, or the HPA's minReplicas) or `max` (Cloud Run max instances). Bounded by the policy's
 * `up.max` unless `force`; any active automatic scale-up is handed over to the person.
 */
export async function onManual(ctx: Context, request: ManualScale, deps: AutoscaleDeps): Promise<RunResult> {
  const service = entryOf(ctx.config.services, request.service);
  if (!service) {
    const known = Object.keys(ctx.config.services).join(', ') || 'none';
    throw new NotFoundError(`unknown service "${request.service}" (known: ${known})`);
  }
  const which = knobOf(request);
  const value = request[which] as number;
  const policies = ctx.config.autoscale?.policies ?? [];
  const policy = policyFor('autoscale', policies, request.service);
  if (which === 'replicas' && service.platform === 'cloud-run') {
    throw new BadInputError(`${request.service} runs on Cloud Run: give "min" or "max" instances, not "replicas"`);
  }
  if (which !== 'replicas' && service.platform === 'compose') {
    throw new BadInputError(`${request.service} runs on docker compose: give "replicas" (its containers)`);
  }
  if (policy && !request.force && value > policy.up.max) {
    throw new BadInputError(
      `${value} is above up.max ${policy.up.max} of ${policyName('autoscale', policies, policy)}: add "force": true`,
    );
  }
  const platform = await deps.platform({ key: request.service, service }, ctx);
  const state = await platform.scaling();
  if (service.platform === 'kubernetes') {
    if (state.hpa && which === 'replicas') {
      throw new BadInputError(
        `${request.service} is managed by HPA ${state.hpa.name}: give "min" to set its minReplicas`,
      );
    }
    if (!state.hpa && which !== 'replicas') {
      throw new BadInputError(`${request.service} has no HPA: give "replicas"`);
    }
  }
  const shape = { knob: which === 'max' ? ('max' as const) : ('min' as const), level: policy?.level ?? 'service' };
  const knob = readKnob(state, shape);
  if ('error' in knob) throw new BadInputError(`${request.service}: ${knob.error}`);
  if (knob.ceiling !== undefined && value > knob.ceiling) {
    throw new BadInputError(
      `${request.service}: ${knob.label} ${value} is above the platform's ceiling ${knob.ceiling}`,
    );
  }
  if (value < knob.bottom) throw new BadInputError(`${request.service}: ${knob.label} must be at least ${knob.bottom}`);
  if (value === knob.value) return { outcome: 'ok', summary: `${request.service}: ${knob.label} is already ${value}` };

  const record = await ctx.state.get<ScaleRecord>(AutoscaleKeys.scale(request.service));
  const outcome = await applyScale(ctx, platform, {
    action: 'scale-set',
    service: request.service,
    shape,
    policyName: 'manual',
    knob,
    to: value,
    baseline: value,
    record,
    afterwards: 'forget',
    alerts: [],
    evidence: { reason: request.reason, caller: ctx.trigger.kind === 'manual' ? ctx.trigger.caller : undefined },
  });
  const item = { service: request.service, knob: knob.label, from: knob.value, to: value, reason: request.reason };
  if (outcome.status === 'dry-run')
    return {
      outcome: 'ok',
      summary: `dry-run: would set ${knob.label} ${knob.value} → ${value}`,
      items: [{ ...item, status: 'dry-run' }],
    };
  if (outcome.status === 'refused')
    return { outcome: 'skipped', summary: `refused: ${outcome.reason}`, items: [{ ...item, status: 'refused' }] };
  if (!outcome.value.applied)
    return { outcome: 'skipped', summary: outcome.value.reason, items: [{ ...item, status: 'skipped' }] };
  const mark: ManualMark = {
    at: ctx.now().toISOString(),
    knob: knob.id,
    observed: value,
    expected: knob.value,
    ...(ctx.trigger.kind === 'manual' && ctx.trigger.caller ? { by: ctx.trigger.caller } : {}),
  };
  await ctx.state.put(AutoscaleKeys.manual(request.service), mark, RECORD_TTL_MS);
  return {
    outcome: 'ok',
    summary: `${request.service}: ${knob.label} ${knob.value} → ${value} (${request.reason})`,
    items: [{ ...item, status: 'done' }],
  };
}
