import type { Alert } from '../../shared/core/events/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { AutoscalePolicy } from './config.js';
import type { Signals } from './decide.js';
import { AutoscaleKeys, type FiringMark } from './state-keys.js';

/** Whether a firing `alert` is of an episode whose resolve was already received: a late delivery, not news. */
export async function resolvedBefore(ctx: Context, service: string, alert: Alert): Promise<string | undefined> {
  if (alert.state !== 'firing') return undefined;
  const resolved = await ctx.state.get<string>(AutoscaleKeys.resolved(service, alert.fingerprint));
  const firing = Date.parse(alert.startedAt);
  if (resolved === undefined || !Number.isFinite(firing)) return undefined;
  return firing <= Date.parse(resolved) ? resolved : undefined;
}

/**
 * Records an alert in the service's trail: a firing alert gets its own mark (so concurrent alerts never
 * overwrite each other) that expires after `down.staleAfter`, a resolved one removes its mark and remembers
 * its episode. The caller leaves out a firing of an episode already resolved ({@link resolvedBefore}).
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
  // A resolve of an earlier firing of the same alert (same fingerprint), arriving after it fired again (an HA
  // Alertmanager pair, two deliveries at once), ends that earlier firing only: the one firing now stays marked.
  if (!endsFiring(await ctx.state.get<FiringMark>(mark), alert)) return;
  if (Number.isFinite(Date.parse(alert.startedAt))) {
    await ctx.state.put(AutoscaleKeys.resolved(service, alert.fingerprint), alert.startedAt, policy.down.staleAfter);
  }
  await ctx.state.delete(mark);
  await ctx.state.put(AutoscaleKeys.lastResolved(service), at, policy.down.staleAfter + policy.down.after);
}

/** Whether a resolved `alert` ends the firing `mark` records: not when the mark is of a later firing. */
function endsFiring(mark: FiringMark | undefined, alert: Alert): boolean {
  if (!mark) return true;
  const marked = Date.parse(mark.startedAt);
  const resolved = Date.parse(alert.startedAt);
  return !(Number.isFinite(marked) && Number.isFinite(resolved) && resolved < marked);
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
    } else if (endsFiring(await ctx.state.get<FiringMark>(mark), unrecorded)) {
      firing.delete(mark);
      signals.lastResolvedAt = at;
    }
  }
  return { ...signals, firing: firing.size };
}
