import {
  ConcurrentChangeError,
  isPinnable,
  type ServicePlatform,
  type ServiceStatus,
  ServingChangedError,
} from '../../shared/adapters/platforms/index.js';
import { errorMessage } from '../../shared/core/errors/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { ChainMark } from './decide.js';
import { BAD_MAX, BAD_TTL_MS, type PinRecord, RollbackKeys } from './state-keys.js';

/** What the guarded rollback did. */
export type ApplyResult =
  | {
      moved: true;
      after: ServiceStatus;
      stateError?: string;
      /** The platform call failed, yet the service read back afterwards serves the target: what the call said. */
      platformError?: string;
    }
  | { moved: false; serving: string | undefined; reason: string };

/** Whether `status` is settled with every share of traffic on `revision`: what a finished rollback leaves. */
export function whollyServes(status: ServiceStatus, revision: string): boolean {
  return (
    status.ready &&
    status.serving === revision &&
    status.traffic.every((share) => share.revision === revision || share.percent === 0)
  );
}

/** One rollback to run inside `ctx.act`. */
export interface RollbackPlan {
  service: string;
  from: string;
  to: string;
  incident: string;
  /** How long the chain mark forbids a second automatic rollback. */
  chainTtlMs: number;
  /** Set once the bad revision and the chain mark are recorded, so a failure's page says what holds. */
  attempt?: { marked: boolean };
}

/**
 * The bad revision and the chain mark of `plan`: written before the move is tried, so a rollback that fails or
 * stalls half-way (a Kubernetes rollout that never finishes, an answer lost) still keeps the next alert from
 * deciding again on a service caught in between and stepping back once more. Returns the chain mark it replaced.
 */
async function markAttempt(ctx: Context, plan: RollbackPlan, at: string): Promise<ChainMark | undefined> {
  const bad = (await ctx.state.get<string[]>(RollbackKeys.bad(plan.service))) ?? [];
  const next = [...bad.filter((r) => r !== plan.from), plan.from].slice(-BAD_MAX);
  await ctx.state.put(RollbackKeys.bad(plan.service), next, BAD_TTL_MS);
  const key = RollbackKeys.chain(plan.service);
  const previous = await ctx.state.get<ChainMark>(key);
  const chain: ChainMark = { at, from: plan.from, to: plan.to, incident: plan.incident };
  await ctx.state.put(key, chain, plan.chainTtlMs);
  return previous;
}

/** Puts back the chain mark an attempt that never was replaced, for what is left of its time; else removes it. */
async function restoreChain(ctx: Context, plan: RollbackPlan, previous: ChainMark | undefined): Promise<void> {
  const key = RollbackKeys.chain(plan.service);
  const left = previous ? Date.parse(previous.at) + plan.chainTtlMs - ctx.now().getTime() : 0;
  if (previous && left > 0) await ctx.state.put(key, previous, left);
  else await ctx.state.delete(key);
}

/**
 * The mutation run under the service lock: records the bad revision and the chain mark, moves everything to the
 * target only if the bad revision still serves (checked on the read whose etag/resourceVersion guards the write, so
 * a concurrent change wins), waits, then records (Cloud Run, compose) the pin.
 */
export async function applyRollback(ctx: Context, platform: ServicePlatform, plan: RollbackPlan): Promise<ApplyResult> {
  const at = ctx.now().toISOString();
  let stateError: string | undefined;
  let previous: ChainMark | undefined;
  try {
    previous = await markAttempt(ctx, plan, at);
    if (plan.attempt) plan.attempt.marked = true;
  } catch (error) {
    // The state store failing is no reason to leave a confirmed bad revision serving: move, and report it.
    stateError = errorMessage(error);
    ctx.log.error('rollback marks not recorded before the move', { service: plan.service, error: stateError });
  }
  let after: ServiceStatus;
  let platformError: string | undefined;
  try {
    after = await platform.routeAll(plan.to, { signal: ctx.signal, expectServing: plan.from });
  } catch (error) {
    if (error instanceof ServingChangedError) {
      // Nothing was tried: the bad revision no longer serves. The chain mark of an attempt that never was gives
      // way to the one it replaced (the bad mark stays: the revision was judged bad all the same).
      if (stateError === undefined) await restoreChain(ctx, plan, previous).catch(() => undefined);
      if (plan.attempt) plan.attempt.marked = false;
      return { moved: false, serving: error.actual, reason: `${plan.service}: ${error.message}` };
    }
    // Another writer changed the service between the read and this write: whatever serves now is not this
    // rollback's doing alone, so it fails and pages rather than being reported as done.
    if (error instanceof ConcurrentChangeError) throw error;
    // The write may have landed though its answer did not (a lost response, an operation that timed out): a
    // service that wholly serves the target now was rolled back. Anything less (a canary still taking a share, a
    // rollout whose pods never became available) is the failure the error says; the marks stay either way.
    const landed = await platform.status().catch(() => undefined);
    if (!landed || !whollyServes(landed, plan.to)) throw error;
    after = landed;
    platformError = errorMessage(error);
  }
  const moved = platformError === undefined ? {} : { platformError };
  if (isPinnable(platform)) {
    try {
      const pin: PinRecord = { revision: plan.to, from: plan.from, at, incident: plan.incident };
      await ctx.state.put(RollbackKeys.pin(plan.service), pin);
    } catch (error) {
      // Traffic already moved: report the lost bookkeeping instead of failing a rollback that happened.
      stateError = errorMessage(error);
      ctx.log.error('rollback applied but its pin was not recorded', { service: plan.service, error: stateError });
    }
  }
  return { moved: true, after, ...(stateError === undefined ? {} : { stateError }), ...moved };
}
