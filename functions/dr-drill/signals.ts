import type { Context } from '../../shared/runtime/types.js';
import type { DrillRecord } from './model.js';

/** Where an approval is left for the drill to pick up (routes never write the drill record itself). */
export const approvalKey = (id: string) => `drill:${id}:approval`;
/** Where a cancel request is left for the drill to pick up. */
export const cancelKey = (id: string) => `drill:${id}:cancel`;

/** An approval or cancel request as the routes store it. */
export interface Signal {
  by: string;
  at: string;
}

/**
 * Folds approval and cancel requests into the drill. They travel under their own keys so a route
 * never races an invocation that is saving the drill record.
 */
export async function applySignals(ctx: Pick<Context, 'state'>, drill: DrillRecord): Promise<void> {
  const [approval, cancel] = await Promise.all([
    ctx.state.get<Signal>(approvalKey(drill.id)),
    ctx.state.get<Signal>(cancelKey(drill.id)),
  ]);
  if (approval && drill.approval && !drill.approval.approvedAt) {
    drill.approval.approvedBy = approval.by;
    drill.approval.approvedAt = approval.at;
    if (drill.status === 'awaiting-approval') drill.status = 'running';
  }
  if (cancel && !drill.cancel) {
    drill.cancel = cancel;
    if (drill.status === 'awaiting-approval') drill.status = 'running';
  }
}
