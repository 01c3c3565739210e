import { LockedError } from '../errors/index.js';
import { label, retain, shardKeys } from './fanout-run.js';
import { type Fanout, FanoutKeys, type FanoutRun, type ShardResult } from './fanout-types.js';
import { boundList, ResultLimits } from './result-bounds.js';
import type { Context, RunResult } from './types.js';

/**
 * Ends a fanned-out run exactly once (a state claim): every shard's items in order, those of shards with no
 * result reported through `fanout.missing`; the function writes the report and notifies; the run's envelope
 * is kept under its run id.
 */
export async function finishRun<Item>(ctx: Context, run: FanoutRun, fanout: Fanout<Item>): Promise<RunResult<Item>> {
  const ttl = retain(run, ctx.now());
  const claim = await ctx.state.claim(FanoutKeys.final(run.function, run.runId), ctx.config.limits.timeout + 60_000);
  if (!claim.claimed) {
    if (claim.state === 'done') {
      // Finished, though its open mark outlived it (its delete failed): it is not overdue, so it goes now.
      await ctx.state.delete(FanoutKeys.open(run.function, run.runId)).catch(() => undefined);
      return { outcome: 'skipped', summary: `run ${run.runId} has already finished` };
    }
    throw new LockedError(`run ${run.runId} is being finished by another invocation`);
  }
  let completed = false;
  try {
    // Its envelope already written: an earlier finish got that far and then failed to mark its claim done (a
    // state blip). It reported and notified then; this one only completes the bookkeeping.
    if ((await ctx.state.get(FanoutKeys.result(run.function, run.runId))) !== undefined) {
      await ctx.state.complete(FanoutKeys.final(run.function, run.runId), { finishedBy: 'an earlier finish' }, ttl);
      completed = true;
      await ctx.state.delete(FanoutKeys.open(run.function, run.runId)).catch(() => undefined);
      return { outcome: 'skipped', summary: `run ${run.runId} has already finished` };
    }
    const shards = await Promise.all(
      Array.from({ length: run.shards }, (_, i) =>
        ctx.state.get<ShardResult<Item>>(FanoutKeys.shard(run.function, run.runId, i)),
      ),
    );
    const late = `no result by the deadline ${run.deadline}: every delivery failed (dead-lettered) or was lost`;
    const items = shards.flatMap(
      (shard, i) => shard?.items ?? shardKeys(run, i).map((k) => fanout.missing(ctx, k, `${label(run, i)}: ${late}`)),
    );
    const failed = shards.flatMap((s, i) => (s === undefined || s.status === 'failed' ? [i] : []));
    const result = await fanout.finish(ctx, run, items);
    const summary = failed.length > 0 ? `${result.summary}; ${failed.length} shard(s) failed` : result.summary;
    const fanoutInfo = { run: run.runId, shards: run.shards, failed, finished: true, finishedBy: ctx.runId };
    const bounded = boundList(ctx.redact(items), ResultLimits.listEntries, ResultLimits.bytes);
    await ctx.state.put(
      FanoutKeys.result(run.function, run.runId),
      {
        function: run.function,
        runId: run.runId,
        trigger: run.trigger,
        startedAt: run.startedAt,
        finishedAt: ctx.now().toISOString(),
        outcome: result.outcome,
        summary,
        items: bounded.kept,
        ...(bounded.omitted > 0 ? { omitted: { items: bounded.omitted } } : {}),
        ...result.extra,
        fanout: fanoutInfo,
      },
      ttl,
    );
    await ctx.state.complete(FanoutKeys.final(run.function, run.runId), { finishedBy: ctx.runId }, ttl);
    completed = true;
    // The run is finished from here: a failure to tidy up must not unclaim it, or an overdue sweep finishes it
    // again (a second report and notifications); a later invocation deletes the open mark instead.
    await ctx.state
      .delete(FanoutKeys.open(run.function, run.runId))
      .catch((error: unknown) =>
        ctx.log.warn('the finished run keeps its open mark for now', { run: run.runId, error }),
      );
    ctx.log.audit({
      decision: 'decided',
      action: 'fanout.finish',
      target: run.runId,
      reason: summary,
      outcome: result.outcome,
      evidence: fanoutInfo,
    });
    return { ...result, summary, extra: { ...result.extra, fanout: fanoutInfo } };
  } catch (error) {
    if (!completed) await ctx.state.unclaim(FanoutKeys.final(run.function, run.runId)).catch(() => undefined);
    throw error;
  }
}

/**
 * Finishes this function's fanned-out runs whose deadline has passed, their missing shards reported failed:
 * how a shard that Pub/Sub dead-lettered (or that was lost) reaches its run's result. Every invocation of the
 * function looks, so the next shard or the next scheduled run ends an overdue run.
 */
export async function finishOverdue<Item>(ctx: Context, fanout: Fanout<Item>): Promise<string[]> {
  const finished: string[] = [];
  if (!ctx.stateAvailable) return finished;
  let pending: string[];
  try {
    pending = await ctx.state.keys(FanoutKeys.openPrefix(ctx.function));
  } catch (error) {
    // The run at hand goes on without state (reads only); the next invocation looks again.
    ctx.log.warn('could not look for overdue runs split into shards', { error });
    return finished;
  }
  for (const key of pending) {
    const open = await ctx.state.get<{ deadline: string }>(key);
    if (!open || Date.parse(open.deadline) > ctx.now().getTime()) continue;
    const runId = key.slice(FanoutKeys.openPrefix(ctx.function).length);
    const run = await ctx.state.get<FanoutRun>(FanoutKeys.run(ctx.function, runId));
    try {
      if (run) await finishRun(ctx, run, fanout);
      else await ctx.state.delete(key);
      finished.push(runId);
    } catch (error) {
      ctx.log.warn('an overdue run split into shards could not be finished now', { run: runId, error });
    }
  }
  return finished;
}
