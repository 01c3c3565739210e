import type { Alert } from '../../shared/core/events/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { AutoscalePolicy } from './config.js';
import type { Signals } from './decide.js';
import { AutoscaleKeys, type FiringMark } from './state-keys.js';

/**
 * Records an alert in the service's trail: a firing alert gets its own mark (so concurrent alerts never
 * overwrite each other) that expires after `down.staleAfter`, a resolved one removes its mark.
 */
export async function noteAlert(ctx: Context, service: string, alert: Alert, policy: AutoscalePolicy): Promise<void> {
  const at = ctx.now().toISOString();
  const mark = AutoscaleKeys.firing(service, alert.fingerprint);
  if (alert.state === 'firing') {
    const value: FiringMark = { name: alert.name, startedAt: alert.startedAt, seenAt: at };
    await ctx.state.put(mark, value, policy.down.staleAfter);
    await ctx.state.put(AutoscaleKeys.lastFiring(service), at, policy.down.staleAfter + policy.down.after);
    return;
  }
  await ctx.state.delete(mark);
  await ctx.state.put(AutoscaleKeys.lastResolved(service), at, policy.down.staleAfter + policy.down.after);
}

/**
 * Reads the service's alert trail: how many alerts still fire, and when one last fired or resolved. A dry run
 * leaves the trail as it is (a preview of a resolved alert would otherwise clear the real firing mark, and the
 * sweep scale down while it still fires), so it passes its alert as `unrecorded`: the trail is read as if
 * {@link noteAlert} had recorded it.
 */
export async function readSignals(ctx: Context, service: string, unrecorded?: Alert): Promise<Signals> {
  const [marks, lastFiringAt, lastResolvedAt] = await Promise.all([
    ctx.state.keys(AutoscaleKeys.firingPrefix(service)),
    ctx.state.get<string>(AutoscaleKeys.lastFiring(service)),
    ctx.state.get<string>(AutoscaleKeys.lastResolved(service)),
  ]);
  const firing = new Set(marks);
  const signals: Signals = {
    firing: 0,
    ...(lastFiringAt ? { lastFiringAt } : {}),
    ...(lastResolvedAt ? { lastResolvedAt } : {}),
  };
  if (unrecorded) {
    const mark = AutoscaleKeys.firing(service, unrecorded.fingerprint);
    const at = ctx.now().toISOString();
    if (unrecorded.state === 'firing') {
      firing.add(mark);
      signals.lastFiringAt = at;
    } else {
      firing.delete(mark);
      signals.lastResolvedAt = at;
    }
  }
  return { ...signals, firing: firing.size };
}
