import { entryOf } from '../../shared/core/config/index.js';
import { toOpsError } from '../../shared/core/errors/index.js';
import { policyFor, policyName } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import { decideDown } from './decide.js';
import type { AutoscaleDeps } from './deps.js';
import { describeItem, execute, type ScaleItem } from './execute.js';
import { readKnob } from './knob.js';
import { AutoscaleKeys, type ScaleRecord } from './state-keys.js';
import { readSignals } from './track.js';

async function sweepOne(ctx: Context, deps: AutoscaleDeps, service: string): Promise<ScaleItem | undefined> {
  const record = await ctx.state.get<ScaleRecord>(AutoscaleKeys.scale(service));
  if (!record) return undefined;
  const policies = ctx.config.autoscale?.policies ?? [];
  const svc = entryOf(ctx.config.services, service);
  const policy = policyFor('autoscale', policies, service, record.policy);
  if (!svc || !policy) {
    // The config no longer covers it: hand it to a person once instead of failing every sweep.
    const reason = `${svc ? 'no autoscale policy' : 'no estate service'} for ${service} any more`;
    const text = `${reason}: autoscale stops managing it. It may still be scaled up to ${record.applied} (baseline ${record.baseline}).`;
    if (!ctx.dryRun) await ctx.state.delete(AutoscaleKeys.scale(service));
    await ctx.notify({
      severity: 'warning',
      title: `autoscale released ${service}`,
      text,
      dedupKey: `autoscale-orphan-${service}`,
    });
    return { service, decision: 'release', status: ctx.dryRun ? 'dry-run' : 'noted', reasons: [text], attention: true };
  }
  const platform = await deps.platform({ key: service, service: svc }, ctx);
  const knob = readKnob(await platform.scaling(), policy);
  if ('error' in knob) return { service, decision: 'hold', status: 'failed', reasons: [knob.error], error: knob.error };
  const signals = await readSignals(ctx, service);
  const decision = decideDown({ policy, knob, record, signals, now: ctx.now() });
  const name = policyName('autoscale', policies, policy);
  return execute(ctx, { service, policy, policyName: name, platform, knob, record, alerts: [] }, decision);
}

/**
 * The scheduled sweep over every active scale-up: due scale-downs (so a lost `resolved` never leaves a
 * service scaled up), re-applying a value a deploy reset, and noticing changes made by hand. One service
 * failing does not stop the others.
 */
export async function onSweep(ctx: Context, deps: AutoscaleDeps): Promise<RunResult> {
  const keys = await ctx.state.keys(AutoscaleKeys.scalePrefix);
  const services = keys.map((k) => k.slice(AutoscaleKeys.scalePrefix.length));
  const items: ScaleItem[] = [];
  for (const service of services) {
    if (ctx.signal.aborted) break;
    try {
      const item = await sweepOne(ctx, deps, service);
      if (item) items.push(item);
    } catch (thrown) {
      const error = toOpsError(thrown);
      ctx.log.error(`sweep of ${service} failed: ${error.message}`, { service, kind: error.kind });
      items.push({ service, decision: 'hold', status: 'failed', reasons: [error.message], error: error.message });
    }
  }
  if (items.length === 0) return { outcome: 'ok', summary: 'no active scale-up', items };
  const failed = items.filter((i) => i.status === 'failed');
  const attention = items.some((i) => i.attention);
  return {
    outcome: failed.length > 0 ? 'fail' : attention ? 'warn' : 'ok',
    summary: items.map(describeItem).join('; '),
    items,
  };
}
