import { BadInputError, errorMessage, LockedError, NotFoundError, toOpsError } from '../errors/index.js';
import { finishOverdue, finishRun } from './fanout-finish.js';
import { label, retain, shardKeys } from './fanout-run.js';
import { type Fanout, FanoutKeys, type FanoutRun, type ShardRef, type ShardResult } from './fanout-types.js';
import type { Context, RunResult } from './types.js';

export { finishOverdue, finishRun } from './fanout-finish.js';

const deadLettered = (ctx: Context) => (ctx.trigger.kind === 'scheduled' ? ctx.trigger.deadLettered : undefined);

/**
 * A dead-lettered continuation that is no shard is not worked again (a function that must still end what it
 * stood for, as backupVerify's restore-job poll does, handles its dead letter before asking). Undefined for any
 * other invocation.
 */
export function skipDeadLetter(ctx: Context, shard: ShardRef | undefined): RunResult | undefined {
  const dead = deadLettered(ctx);
  if (!dead || shard) return undefined;
  return {
    outcome: 'skipped',
    summary: `a continuation dead-lettered after ${dead.deliveries} deliveries is not worked again`,
  };
}

/** How many shards of `keys.length` things, `perShard` each. */
export const shardCount = (total: number, perShard: number): number => Math.ceil(total / Math.max(1, perShard));

/**
 * Whether a run of `total` things splits into shards: only past `perShard`, and never for a dry run (it reports
 * the plan) nor for `opsfn invoke` (a person at the terminal waits for the whole run in one process).
 */
export function splitsIntoShards(ctx: Context, total: number, perShard: number): boolean {
  const foreground = ctx.trigger.kind === 'manual' && ctx.trigger.id.startsWith('cli:');
  return total > perShard && !foreground;
}

/** What a dry run of a run that would split reports instead of doing it. */
export function shardPlan<Item>(total: number, perShard: number, what: string): RunResult<Item> {
  return {
    outcome: 'skipped',
    summary: `dry-run: ${total} ${what} would be split into ${shardCount(total, perShard)} shard(s) of up to ${perShard}, each its own invocation`,
  };
}

/** What {@link fanOut} works on: the run's keys, the shard this invocation is (if any), and the split. */
export interface FanOutRequest {
  keys: string[];
  shard: ShardRef | undefined;
  perShard: number;
  /** What the keys are, for the plan and the audit (`backups`, `endpoints`). */
  what: string;
  /** What the run was asked beyond its keys, kept with the run for every shard to work with. */
  options?: Record<string, unknown>;
}

/**
 * The fan-out part of an invocation of a function that splits large runs: a shard runs its share; any other
 * invocation first finishes this function's runs whose deadline passed, then splits a run of more than
 * `perShard` keys (a dry run gets the plan). Undefined when the invocation does its work itself.
 */
export async function fanOut<Item>(
  ctx: Context,
  request: FanOutRequest,
  fanout: Fanout<Item>,
): Promise<RunResult<Item> | undefined> {
  // Every invocation, a shard's too, first ends this function's runs past their deadline.
  await finishOverdue(ctx, fanout);
  if (request.shard) return runShard(ctx, request.shard, fanout);
  const { keys, perShard, what, options } = request;
  if (!splitsIntoShards(ctx, keys.length, perShard)) return undefined;
  if (ctx.dryRun) return shardPlan(keys.length, perShard, what);
  const deadlineMs = ctx.config.limits.shards.deadline;
  return startFanout(ctx, keys, { perShard, deadlineMs, what, ...(options ? { options } : {}) }, fanout);
}

/**
 * Splits this run into shards of `perShard` keys: records the run under its id, then sends one continuation
 * per shard (each runs as an invocation of its own: Pub/Sub with its retries and dead-letter policy when
 * deployed, this process under `opsfn serve`). A shard that cannot be sent is recorded failed at once.
 */
export async function startFanout<Item>(
  ctx: Context,
  keys: string[],
  options: { perShard: number; deadlineMs: number; what: string; options?: Record<string, unknown> },
  fanout: Fanout<Item>,
): Promise<RunResult<Item>> {
  const now = ctx.now();
  const run: FanoutRun = {
    function: ctx.function,
    runId: ctx.runId,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + options.deadlineMs).toISOString(),
    keys,
    perShard: options.perShard,
    shards: shardCount(keys.length, options.perShard),
    trigger: { kind: ctx.trigger.kind, id: ctx.trigger.id },
    ...(options.options && Object.keys(options.options).length > 0 ? { options: options.options } : {}),
  };
  const ttl = retain(run, now);
  await ctx.state.put(FanoutKeys.run(run.function, run.runId), run, ttl);
  await ctx.state.put(FanoutKeys.open(run.function, run.runId), { deadline: run.deadline }, ttl);
  ctx.log.audit({
    decision: 'decided',
    action: 'fanout',
    target: run.runId,
    reason: `${keys.length} ${options.what} in ${run.shards} shard(s) of up to ${run.perShard}`,
    evidence: { shards: run.shards, deadline: run.deadline },
  });
  let last: RunResult<Item> | undefined;
  for (let index = 0; index < run.shards; index++) {
    try {
      await ctx.continue(`${run.runId}:shard:${index}`, { shard: { run: run.runId, index } });
    } catch (error) {
      const why = `${label(run, index)} could not be sent: ${errorMessage(error)}`;
      ctx.log.error(why, { error });
      const items = shardKeys(run, index).map((key) => fanout.missing(ctx, key, why));
      last = await record(ctx, run, { index, status: 'failed', items, detail: why }, fanout);
    }
  }
  // Every shard failed to be sent: the run has already ended above, with each of them reported.
  if (last?.extra?.fanout && (last.extra.fanout as { finished?: boolean }).finished) return last;
  return {
    outcome: 'ok',
    accepted: true,
    summary: `${keys.length} ${options.what} split into ${run.shards} shard(s) of up to ${run.perShard}; the last shard to finish reports run ${run.runId}`,
    extra: { fanout: { run: run.runId, shards: run.shards, deadline: run.deadline } },
  };
}

/**
 * Runs one shard of a fanned-out run and records its items; the invocation whose shard completes the set
 * (counted atomically, each shard once however often it is delivered) finishes the run.
 */
export async function runShard<Item>(ctx: Context, ref: ShardRef, fanout: Fanout<Item>): Promise<RunResult<Item>> {
  // Shards come from this function's own continuations, never from a caller's payload.
  if (ctx.trigger.kind !== 'scheduled' || !ctx.trigger.job.startsWith('continue:')) {
    throw new BadInputError('shard: only a continuation of a run split into shards may name a shard');
  }
  const run = await ctx.state.get<FanoutRun>(FanoutKeys.run(ctx.function, ref.run));
  if (!run) throw new NotFoundError(`shard: no run ${ref.run} of ${ctx.function} split into shards (expired?)`);
  if (ref.index >= run.shards) throw new BadInputError(`shard: run ${run.runId} has ${run.shards} shard(s)`);
  if ((await ctx.state.get(FanoutKeys.result(run.function, run.runId))) !== undefined) {
    return { outcome: 'skipped', summary: `${label(run, ref.index)}: the run has already finished` };
  }
  const recorded = await ctx.state.get<ShardResult<Item>>(FanoutKeys.shard(run.function, run.runId, ref.index));
  if (recorded) return record(ctx, run, recorded, fanout, true);
  const keys = shardKeys(run, ref.index);
  const dead = deadLettered(ctx);
  if (dead) {
    const tried = await ctx.state.get<string>(FanoutKeys.tried(run.function, run.runId, ref.index));
    if (tried === undefined) {
      const resent = await resendUnworked(ctx, run, ref);
      if (resent) return resent;
    }
    // Every delivery failed: the shard is reported failed now rather than at the run's deadline.
    const why = `${label(run, ref.index)} failed: dead-lettered after ${dead.deliveries} deliveries${
      tried === undefined
        ? `, never worked (re-sent ${MAX_RESENDS} times, each delivery found it busy or refused)`
        : `: ${tried}`
    }`;
    const items = keys.map((k) => fanout.missing(ctx, k, why));
    return record(ctx, run, { index: ref.index, status: 'failed', items, detail: why }, fanout);
  }
  // One invocation works a shard at a time: a re-sent shard meets the one still working it (409, redelivered).
  const ttl = retain(run, ctx.now());
  const working = FanoutKeys.working(run.function, run.runId, ref.index);
  const token = await ctx.state.lock(working, ctx.config.limits.timeout + 60_000);
  if (token === undefined) throw new LockedError(`${label(run, ref.index)} is being worked by another invocation`);
  ctx.progress(`${label(run, ref.index)}: ${keys.length} to do`);
  let result: ShardResult<Item>;
  try {
    result = { index: ref.index, status: 'done', items: await fanout.work(ctx, keys, run) };
  } catch (thrown) {
    const error = toOpsError(thrown);
    if (error.retryable) {
      // Redelivered by Pub/Sub; once dead-lettered the shard is reported failed with this error.
      await ctx.state
        .put(FanoutKeys.tried(run.function, run.runId, ref.index), error.message, ttl)
        .catch(() => undefined);
      await ctx.state.unlock(working, token).catch(() => undefined);
      throw error;
    }
    const why = `${label(run, ref.index)} failed: ${error.message}`;
    result = { index: ref.index, status: 'failed', items: keys.map((k) => fanout.missing(ctx, k, why)), detail: why };
  }
  try {
    return await record(ctx, run, result, fanout);
  } finally {
    await ctx.state.unlock(working, token).catch(() => undefined);
  }
}

/** How often a dead-lettered shard that was never worked is sent again before it is reported failed. */
export const MAX_RESENDS = 3;

/**
 * A shard dead-lettered though its own work never failed (every delivery found it claimed by an invocation
 * that died, or the platform refused it: 429 past max instances) is sent again, up to {@link MAX_RESENDS}
 * times and only before the run's deadline, rather than reported failed unworked.
 */
async function resendUnworked(ctx: Context, run: FanoutRun, ref: ShardRef): Promise<RunResult<never> | undefined> {
  if (Date.parse(run.deadline) <= ctx.now().getTime()) return undefined;
  const ttl = retain(run, ctx.now());
  const { added, size } = await ctx.state.addMember(
    FanoutKeys.resent(run.function, run.runId, ref.index),
    ctx.trigger.id,
    ttl,
  );
  if (size > MAX_RESENDS) return undefined;
  // A redelivery of a dead-lettered message already re-sent sends nothing more.
  if (added) await ctx.continue(`${run.runId}:shard:${ref.index}`, { shard: { run: run.runId, index: ref.index } });
  ctx.log.audit({
    decision: 'decided',
    action: 'fanout.resend',
    target: run.runId,
    reason: `${label(run, ref.index)} was dead-lettered without its work failing: sent again (${size} of ${MAX_RESENDS})`,
    evidence: { shard: ref.index, resends: size },
  });
  return {
    outcome: 'skipped',
    summary: `${label(run, ref.index)}: dead-lettered unworked, sent again (${size} of ${MAX_RESENDS})`,
  };
}

async function record<Item>(
  ctx: Context,
  run: FanoutRun,
  result: ShardResult<Item>,
  fanout: Fanout<Item>,
  already = false,
): Promise<RunResult<Item>> {
  const ttl = retain(run, ctx.now());
  if (!already) await ctx.state.put(FanoutKeys.shard(run.function, run.runId, result.index), result, ttl);
  const { size } = await ctx.state.addMember(FanoutKeys.done(run.function, run.runId), String(result.index), ttl);
  // A redelivery of the completing shard (its first delivery crashed before finishing) finishes too: the claim keeps it once.
  if (size >= run.shards) return finishRun(ctx, run, fanout);
  return {
    outcome: result.status === 'failed' ? 'fail' : 'ok',
    summary: `${label(run, result.index)} ${result.status}: ${result.items.length} item(s); ${size} of ${run.shards} shard(s) recorded`,
    items: result.items,
    extra: { fanout: { run: run.runId, shard: result.index, shards: run.shards, recorded: size } },
  };
}
