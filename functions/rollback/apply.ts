import type { ServicePlatform, ServiceStatus } from '../../shared/platforms/service-platform.js';
import type { Context } from '../../shared/runtime/types.js';
import type { ChainMark } from './decide.js';
import { BAD_MAX, BAD_TTL_MS, type PinRecord, RollbackKeys } from './state-keys.js';

/** What the guarded rollback did. */
export type ApplyResult =
  | { moved: true; after: ServiceStatus; stateError?: string }
  | { moved: false; serving: string | undefined; reason: string };

/** One rollback to run inside `ctx.act`. */
export interface RollbackPlan {
  service: string;
  from: string;
  to: string;
  incident: string;
  /** How long the chain mark forbids a second automatic rollback. */
  chainTtlMs: number;
}

/**
 * The mutation run under the service lock: re-reads the service so a concurrent run that already moved
 * traffic wins, moves everything to the target and waits, then records the bad revision, the chain mark
 * and (Cloud Run) the pin.
 */
export async function applyRollback(ctx: Context, platform: ServicePlatform, plan: RollbackPlan): Promise<ApplyResult> {
  const fresh = await platform.status();
  if (fresh.serving !== plan.from) {
    const reason = `service now serves ${fresh.serving ?? 'nothing'}, not ${plan.from}: another change got there first`;
    return { moved: false, serving: fresh.serving, reason };
  }
  const after = await platform.routeAll(plan.to, { signal: ctx.signal });
  const at = ctx.now().toISOString();
  try {
    const bad = (await ctx.state.get<string[]>(RollbackKeys.bad(plan.service))) ?? [];
    const next = [...bad.filter((r) => r !== plan.from), plan.from].slice(-BAD_MAX);
    await ctx.state.put(RollbackKeys.bad(plan.service), next, BAD_TTL_MS);
    const chain: ChainMark = { at, from: plan.from, to: plan.to, incident: plan.incident };
    await ctx.state.put(RollbackKeys.chain(plan.service), chain, plan.chainTtlMs);
    if (platform.kind === 'cloud-run') {
      const pin: PinRecord = { revision: plan.to, from: plan.from, at, incident: plan.incident };
      await ctx.state.put(RollbackKeys.pin(plan.service), pin);
    }
  } catch (error) {
    // Traffic already moved: report the lost bookkeeping instead of failing a rollback that happened.
    const stateError = error instanceof Error ? error.message : String(error);
    ctx.log.error('rollback applied but its state was not recorded', { service: plan.service, error: stateError });
    return { moved: true, after, stateError };
  }
  return { moved: true, after };
}
