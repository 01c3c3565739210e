import { formatDuration } from '../../shared/core/config/index.js';
import type { Alert } from '../../shared/core/events/index.js';
import { findPolicy, policyName, resolveService } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { decideDown, decideUp, handedOver } from './decide.js';
import type { AutoscaleDeps } from './deps.js';
import { describeItem, execute } from './execute.js';
import { readKnob } from './knob.js';
import { AutoscaleKeys, type ManualMark, type ScaleRecord } from './state-keys.js';
import { noteAlert, readSignals, resolvedBefore } from './track.js';

/**
 * Notes a repeat of an alert already handled: one that still fires refreshes its mark, so an incident that
 * outlasts `down.staleAfter` is not taken for a lost resolve and scaled down while it fires.
 */
export async function noteRepeat(ctx: Context, alert: Alert): Promise<void> {
  if (alert.state !== 'firing' || !ctx.stateAvailable) return;
  const policy = findPolicy(ctx.config.autoscale?.policies ?? [], alert);
  if (!policy) return;
  const ref = resolveService(ctx.config.services, policy, alert.labels);
  if ('error' in ref) return;
  if (await resolvedBefore(ctx, ref.key, alert)) return;
  await noteAlert(ctx, ref.key, alert, policy);
}

/** Handles one alert: record it in the service's trail, then one step up (firing) or a due step down (resolved). */
export async function onAlert(ctx: Context, alert: Alert, deps: AutoscaleDeps): Promise<RunResult> {
  const policies = ctx.config.autoscale?.policies ?? [];
  const policy = findPolicy(policies, alert);
  if (!policy) return { outcome: 'skipped', summary: `no autoscale policy matches alert "${alert.name}"` };
  const name = policyName('autoscale', policies, policy);
  const ref = resolveService(ctx.config.services, policy, alert.labels);
  if ('error' in ref) {
    const text = `${name}: ${ref.error}`;
    await ctx.notify({
      severity: 'warning',
      title: `autoscale cannot act on ${alert.name}`,
      text,
      dedupKey: `autoscale-unresolved-${alert.source}-${alert.fingerprint}`,
    });
    return { outcome: 'fail', summary: text };
  }
  const service = ref.key;
  const incident = `${alert.source}:${alert.name}:${alert.fingerprint}`;
  // A firing delivered after its own resolve (a retried push, the other Alertmanager of an HA pair) is old news:
  // stepping up on it would scale a service whose incident is over, and its mark would hold off the scale-down.
  const resolvedAt = ctx.stateAvailable ? await resolvedBefore(ctx, service, alert) : undefined;
  if (resolvedAt !== undefined) {
    const reason = `${alert.name} firing since ${alert.startedAt} arrived after its resolve: not acted on`;
    ctx.log.audit({ decision: 'decided', target: service, reason, evidence: { incident } });
    return { outcome: 'skipped', summary: `${service}: ${reason}`, items: [] };
  }
  // A dry run changes nothing, its service's alert trail included; its decision reads the trail as if it had.
  if (ctx.stateAvailable && !ctx.dryRun) await noteAlert(ctx, service, alert, policy);

  if (alert.state === 'firing' && ctx.stateAvailable) {
    // A storm's later alerts stop here, before any API call: the first one already stepped.
    const coolingMs = await ctx.cooldownLeft('scale-up', service);
    if (coolingMs > 0) {
      const reasons = [`cooling down for ${formatDuration(coolingMs)} after the last step up`];
      ctx.log.audit({ decision: 'decided', target: service, reason: `hold: ${reasons[0]}`, evidence: { incident } });
      return {
        outcome: 'ok',
        summary: `${service}: hold — ${reasons[0]}`,
        items: [{ service, decision: 'hold', status: 'skipped', reasons }],
      };
    }
  }
  const record = ctx.stateAvailable ? await ctx.state.get<ScaleRecord>(AutoscaleKeys.scale(service)) : undefined;
  if (alert.state === 'resolved' && !record) {
    return { outcome: 'ok', summary: `${service}: alert ${alert.name} resolved; nothing scaled up`, items: [] };
  }
  const platform = await deps.platform(ref, ctx);
  const knob = readKnob(await platform.scaling(), policy);
  if ('error' in knob) {
    const summary = `${service}: cannot scale: ${knob.error}`;
    await ctx.notify({ severity: 'warning', title: `autoscale cannot scale ${service}`, text: summary });
    return { outcome: 'fail', summary };
  }
  const manual =
    alert.state === 'firing' && ctx.stateAvailable
      ? await ctx.state.get<ManualMark>(AutoscaleKeys.manual(service))
      : undefined;
  const decision =
    alert.state === 'firing'
      ? (handedOver({ policy, knob, record, manual, now: ctx.now() }) ??
        decideUp({ policy, knob, record, coolingMs: 0 }))
      : decideDown({
          policy,
          knob,
          record,
          signals: await readSignals(ctx, service, ctx.dryRun ? alert : undefined),
          now: ctx.now(),
        });
  const item = await execute(
    ctx,
    { service, policy, policyName: name, platform, knob, record, alerts: [incident] },
    decision,
  );
  return {
    outcome: item.attention ? 'warn' : 'ok',
    summary: describeItem(item),
    items: [item],
  };
}
