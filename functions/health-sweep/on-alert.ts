import type { Alert } from '../../shared/core/events/index.js';
import { findPolicy, policyName, resolveService } from '../../shared/core/policy/index.js';
import type { Context, RunResult } from '../../shared/core/run/index.js';
import type { HealthSweepDeps } from './deps.js';
import { sweep } from './sweep.js';
import type { SweepItem } from './sweep-types.js';

/**
 * An alert about a service (ServiceDown from Alertmanager, Grafana or Cloud Monitoring) runs that service's
 * checks at once: a firing alert that a check confirms makes it down without waiting for `failAfter`, and one
 * that every check contradicts is reported as not confirmed.
 */
export async function onAlert(ctx: Context, deps: HealthSweepDeps, alert: Alert): Promise<RunResult> {
  const policies = ctx.config.health?.alerts ?? [];
  const policy = findPolicy(policies, alert);
  if (!policy) return { outcome: 'skipped', summary: `no health alert policy matches alert "${alert.name}"` };
  const name = policyName('health.alerts', policies, policy);
  const ref = resolveService(ctx.config.services, policy, alert.labels);
  if ('error' in ref) {
    const text = `${name}: ${ref.error}`;
    await ctx.notify({ severity: 'warning', title: `healthSweep cannot confirm ${alert.name}`, text });
    return { outcome: 'fail', summary: text };
  }
  const service = ref.key;
  if (!(ctx.config.health?.checks ?? []).some((e) => e.service === service)) {
    return { outcome: 'skipped', summary: `alert ${alert.name}: no health check covers ${service}` };
  }
  const firing = alert.state === 'firing';
  const result = await sweep(ctx, deps, {
    force: true,
    select: (e) => e.service === service,
    ...(firing ? { confirmedBy: `${alert.source}:${alert.name}` } : {}),
  });
  // Confirmed by a check that ran now: a remembered failure of one the sweep had no time for confirms nothing.
  const confirmed = ((result.items ?? []) as SweepItem[]).some((i) => i.status === 'fail' && !i.remembered);
  const verdict = firing ? (confirmed ? 'confirmed' : 'not confirmed') : 'resolved';
  ctx.log.audit({ decision: 'decided', target: service, reason: `alert ${alert.name} ${verdict}: ${result.summary}` });
  if (firing && !confirmed) {
    await ctx.notify({
      severity: 'info',
      title: `${alert.name} on ${service} not confirmed by its health checks`,
      text: `The alert fires, but opsfn's own checks of ${service} do not fail: ${result.summary}.`,
      dedupKey: `health:unconfirmed:${alert.source}:${alert.fingerprint}:${alert.startedAt}`,
    });
  }
  return { ...result, summary: `alert ${alert.name} ${verdict} for ${service}: ${result.summary}` };
}
